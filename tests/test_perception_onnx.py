"""The perception encoder as an ONNX Runtime graph: same tokens as torch, cached, and a safe fallback."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from glasses_agent.errors import GlassesAgentError
from glasses_agent.perception import load_encoder
from glasses_agent.perception import onnx_export
from glasses_agent.perception.checkpoint import save_checkpoint
from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.data import ticks_of
from glasses_agent.perception.inference import FrameHistory
from glasses_agent.perception.models import Encoder
from glasses_agent.perception.onnx_export import OnnxUnavailable, relative_difference
from glasses_agent.perception.preprocess import video_clip
from streams.sources.synthetic import SyntheticSource
from tests.support.onnx_off import sessions_off_by


def _ticks(config: ModelConfig, seconds: float = 4.0, seed: int = 0, **kw):
    source = SyntheticSource(seed=seed, duration_s=seconds, scenario="mixed", fps=30.0, size=(320, 240),
                             include_truth=False, **kw)
    return [replace(t, video=t.video[-4:]) for t in ticks_of(source.frames(), config)]  # as the pipeline delivers


def _percepts(encoder, ticks):
    history = FrameHistory(encoder.config)
    return [encoder.encode([history.extend(t)])[0] for t in ticks]


def _differences(a, b) -> float:
    """The largest difference of two percepts' tokens and embeddings, relative to their scale."""
    assert (a.has_video, a.has_audio) == (b.has_video, b.has_audio)
    worst = 0.0
    for field in ("video_tokens", "audio_tokens", "scene", "video", "audio"):
        expected, got = getattr(a, field), getattr(b, field)
        assert expected.shape == got.shape, field
        worst = max(worst, relative_difference(expected, got))
    return worst


def _assert_close(pairs) -> None:
    """Float32 rounding apart: within 1e-5 of the tokens' scale on nearly every tick, and never more
    than 1e-4 (bench encode's worst tick in 200: 4.1e-5, where torch eager itself is as far from
    a float64 run of the model)."""
    differences = np.array([_differences(a, b) for a, b in pairs])
    assert differences.max() <= 1e-4, differences.max()
    assert np.mean(differences <= 1e-5) >= 0.95, np.sort(differences)[-5:]


def test_onnx_encoder_gives_the_tokens_of_torch_to_float32_rounding(tmp_path):
    eager = load_encoder(backend="torch")
    graph = load_encoder(backend="onnx", cache_dir=tmp_path)
    assert (eager.backend, graph.backend) == ("torch", "onnx")
    ticks = _ticks(eager.config)
    video_only = [replace(t, audio=t.audio[:0], audio_coverage=0.0) for t in ticks[5:15]]
    _assert_close(zip(_percepts(eager, ticks + video_only), _percepts(graph, ticks + video_only)))
    # Batched as well: the graph's batch axis is free.
    history = FrameHistory(eager.config)
    batch = [history.extend(t) for t in ticks[-6:]]
    _assert_close(zip(eager.encode(batch), graph.encode(batch)))


def test_the_graph_is_exported_once_per_checkpoint_and_cached_by_its_hash(tmp_path, monkeypatch):
    load_encoder(backend="onnx", cache_dir=tmp_path)
    cached = sorted(p.name for p in tmp_path.iterdir())
    assert len(cached) == 2 and all(name.endswith(".onnx") for name in cached)  # video+audio, video alone

    def no_export(*args, **kwargs):
        raise AssertionError("exported again although the graph is cached")

    monkeypatch.setattr(onnx_export, "export_graph", no_export)
    assert load_encoder(backend="onnx", cache_dir=tmp_path).backend == "onnx"
    monkeypatch.undo()

    # Another checkpoint (other weights, same shapes) never meets the first one's graph.
    torch.manual_seed(3)
    other = tmp_path.parent / "other-checkpoint"
    config = ModelConfig()
    save_checkpoint(other, config, {"encoder": Encoder(config)})
    encoder = load_encoder(other, backend="onnx", cache_dir=tmp_path)
    assert len(list(tmp_path.iterdir())) == 4
    ticks = _ticks(config, seconds=2.0, seed=1)
    _assert_close(zip(_percepts(load_encoder(other, backend="torch"), ticks), _percepts(encoder, ticks)))


def test_a_damaged_cached_graph_is_exported_again(tmp_path):
    load_encoder(backend="onnx", cache_dir=tmp_path)
    for path in tmp_path.iterdir():
        path.write_bytes(b"not a graph")
    assert load_encoder(backend="onnx", cache_dir=tmp_path).backend == "onnx"
    assert all(path.stat().st_size > 100_000 for path in tmp_path.iterdir())


def test_without_a_working_exporter_auto_stays_on_torch_and_onnx_says_why(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("exporter unavailable")

    monkeypatch.setattr(onnx_export, "export_graph", broken)
    encoder = load_encoder(backend="auto", cache_dir=tmp_path)
    assert encoder.backend == "torch"
    assert "exporter unavailable" in encoder.note
    with pytest.raises(OnnxUnavailable, match="exporter unavailable") as err:
        load_encoder(backend="onnx", cache_dir=tmp_path)
    assert isinstance(err.value, GlassesAgentError) and "\n" not in str(err.value)
    with pytest.raises(GlassesAgentError, match="backend must be one of"):
        load_encoder(backend="tensorrt")


def test_a_graph_whose_outputs_disagree_with_torch_is_refused(tmp_path, monkeypatch):
    sessions_off_by(monkeypatch)  # every output 1e-3 off
    encoder = load_encoder(backend="auto", cache_dir=tmp_path)
    assert encoder.backend == "torch"
    assert "differs from torch" in encoder.note


def test_frame_history_hands_the_encoder_the_clip_it_would_have_made_from_full_frames():
    config = ModelConfig()
    history = FrameHistory(config)
    for tick in _ticks(config, seconds=3.0):
        shrunk = history.extend(tick)
        full = replace(shrunk, video=tuple(history.frames[(f.source, f.seq, f.t_ns)] for f in shrunk.video))
        assert any(f.image.shape[0] != config.image_size for f in full.video)
        np.testing.assert_array_equal(video_clip(shrunk.video, shrunk.t_ns, config),
                                      video_clip(full.video, full.t_ns, config))
    # Each frame is resized once, and the small copies go when their frames do.
    assert set(history.small) <= set(history.frames)
