"""The perception model's masks, checkpoints and inference API."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from glasses_agent.context import TickContext
from glasses_agent.errors import GlassesAgentError
from glasses_agent.agent.stages.perception import PerceptionStage
from glasses_agent.perception import CheckpointError, load_encoder
from glasses_agent.perception.checkpoint import save_checkpoint
from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.data import ticks_of
from glasses_agent.perception.inference import FrameHistory
from glasses_agent.perception.masks import STRATEGIES, sample_mask
from glasses_agent.perception.models import Encoder
from streams.frames import NS_PER_S, VideoFrame
from streams.sources.synthetic import SyntheticSource

CONFIG = ModelConfig()


@given(seed=st.integers(0, 2**32 - 1), strategy=st.sampled_from(STRATEGIES + (None,)),
       grid=st.tuples(st.integers(1, 4), st.integers(2, 8), st.integers(2, 8)),
       audio=st.tuples(st.integers(2, 10), st.integers(1, 6)))
def test_masks_never_let_context_and_target_overlap(seed, strategy, grid, audio):
    mask = sample_mask(np.random.default_rng(seed), grid, audio, strategy=strategy)
    nv, na = int(np.prod(grid)), int(np.prod(audio))
    assert not set(mask.context_video) & set(mask.target_video)
    assert not set(mask.context_audio) & set(mask.target_audio)
    assert len(mask.target_video) + len(mask.target_audio) > 0, "nothing to predict"
    assert len(mask.context_video) + len(mask.context_audio) > 0, "nothing to predict from"
    for idx, n in ((mask.context_video, nv), (mask.target_video, nv), (mask.context_audio, na), (mask.target_audio, na)):
        assert np.all((0 <= idx) & (idx < n)) and np.all(np.diff(idx) > 0)


def test_block_masks_span_all_time_steps():
    grid = CONFIG.video_grid
    for seed in range(20):
        mask = sample_mask(np.random.default_rng(seed), grid, CONFIG.audio_grid, strategy="blocks")
        cells = np.zeros(grid, bool).ravel()
        cells[mask.target_video] = True
        cells = cells.reshape(grid)
        assert (cells == cells[0]).all(), "a spatial block must cover the same cells in every time step"


def _ticks(seconds: float = 3.0, seed: int = 0, **kw):
    return list(ticks_of(SyntheticSource(seed=seed, duration_s=seconds, include_truth=False, **kw).frames(), CONFIG))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("ckpt")
    save_checkpoint(folder, CONFIG, {"encoder": Encoder(CONFIG)})
    return folder


def test_checkpoint_round_trips_exactly(checkpoint, tmp_path):
    first = load_encoder(checkpoint)
    save_checkpoint(tmp_path, first.config, {"encoder": first.model})
    second = load_encoder(tmp_path / "perception.safetensors")
    for (name, a), (_, b) in zip(first.model.state_dict().items(), second.model.state_dict().items()):
        assert torch.equal(a, b), name
    ticks = _ticks()[-3:]
    for p, q in zip(first.encode(ticks), second.encode(ticks)):
        np.testing.assert_array_equal(p.scene, q.scene)


def test_encode_gives_one_percept_per_tick_with_grids(checkpoint):
    encoder = load_encoder(checkpoint)
    ticks = _ticks()[-4:]
    percepts = encoder.encode(ticks)
    assert [p.t_ns for p in percepts] == [t.t_ns for t in ticks]
    p = percepts[-1]
    d = encoder.width
    assert p.scene.shape == p.video.shape == p.audio.shape == (d,)
    assert p.video_tokens.shape == (*encoder.video_grid, d)
    assert p.audio_tokens.shape == (*encoder.audio_grid, d)
    assert p.has_video and p.has_audio and p.scene.dtype == np.float32
    # Batched and one-by-one agree, and the same input gives the same output.
    alone = encoder.encode(ticks[-1:])[0]
    np.testing.assert_allclose(alone.scene, p.scene, atol=1e-5)
    np.testing.assert_array_equal(encoder.encode(ticks[-1:])[0].scene, alone.scene)


def test_missing_modalities_give_empty_tokens_and_zero_embeddings(checkpoint):
    encoder = load_encoder(checkpoint)
    tick = _ticks()[-1]
    no_audio = replace(tick, audio=np.zeros(16000, np.int16), audio_coverage=0.0)
    no_video = replace(tick, video=())
    nothing = replace(no_video, audio_coverage=0.0)
    a, v, n, both = encoder.encode([no_audio, no_video, nothing, tick])
    assert a.has_video and not a.has_audio and a.audio_tokens.shape[0] == 0 and not a.audio.any()
    assert v.has_audio and not v.has_video and v.video_tokens.shape[0] == 0 and not v.video.any()
    assert not n.has_video and not n.has_audio and not n.scene.any()
    assert not np.allclose(a.scene, both.scene), "dropping audio must change the fused scene embedding"


def test_any_camera_rate_and_size_is_resampled(checkpoint):
    encoder = load_encoder(checkpoint)
    fast = _ticks(seconds=2.0, fps=30.0, size=(320, 180))[-1]
    assert len(fast.video) > encoder.config.frames
    percept = encoder.encode([fast])[0]
    assert percept.video_tokens.shape == (*encoder.video_grid, encoder.width)


def test_frame_history_keeps_the_clip_span_at_high_rates():
    history = FrameHistory(CONFIG)
    frames = [VideoFrame(t_ns=i * NS_PER_S // 30, seq=i, source="camera", image=np.zeros((4, 4, 3), np.uint8))
              for i in range(60)]
    from streams.sync import Tick

    tick = None
    for k in range(1, 20):  # ticks at 10 Hz, each carrying only the newest 4 frames, as the pipeline's do
        t = k * NS_PER_S // 10
        recent = tuple(f for f in frames if f.t_ns <= t)[-4:]
        tick = history.extend(Tick(index=k, t_ns=t, video=recent, audio=np.zeros(16000, np.int16)))
    span = tick.video[-1].t_ns - tick.video[0].t_ns
    assert span >= (CONFIG.frames - 1) * NS_PER_S / CONFIG.frame_rate


def test_perception_stage_sets_the_percept_on_its_worker(checkpoint):
    stage = PerceptionStage(load_encoder(checkpoint))
    ticks = _ticks()[-2:]

    async def run():
        out = [await stage.process(TickContext(tick=t)) for t in ticks]
        await stage.stop()
        return out

    contexts = asyncio.run(run())
    assert all(c.percept is not None and c.percept.t_ns == c.tick.t_ns for c in contexts)


def test_missing_checkpoint_is_one_clear_error(tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_encoder(tmp_path / "nowhere")
    with pytest.raises(GlassesAgentError, match="no such checkpoint file"):
        load_encoder(tmp_path)


def test_checkpoint_of_another_shape_is_one_clear_error(checkpoint, tmp_path):
    doc = json.loads((checkpoint / "config.json").read_text())
    doc["model"]["width"] = 64
    (tmp_path / "config.json").write_text(json.dumps(doc))
    (tmp_path / "perception.safetensors").write_bytes((checkpoint / "perception.safetensors").read_bytes())
    with pytest.raises(CheckpointError, match="another shape") as err:
        load_encoder(tmp_path)
    assert "\n" not in str(err.value)
    (tmp_path / "perception.safetensors").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="unreadable"):
        load_encoder(tmp_path)
