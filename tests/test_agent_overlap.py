"""The agent's speed-ups change nothing it says: work beside perception, the ONNX encoder, read-ahead."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from glasses_agent.agent import Agent, AgentConfig
from glasses_agent.agent.readahead import ReadAhead
from glasses_agent.agent.stages import ContextStage
from glasses_agent.scoring.scenes import build
from streams.frames import VideoFrame
from streams.sources.synthetic import SyntheticSource
from streams.testing import run_test


def _said(tmp_path: Path, name: str, scenario: str = "approach", **config) -> tuple[list, list]:
    """(trace records, prompt records) of the agent with the shipped models over a generated scene."""
    agent = Agent(AgentConfig(memory_path=str(tmp_path / f"{name}.sqlite3"), **config))
    try:
        assert agent.perception_stage is not None and agent.world_stage is not None, agent.notes
        contexts = run_test(build(scenario, 0, duration_s=6.0).source, agent.stages()).outputs["critic"]
        return [agent.trace_record(c) for c in contexts], [p.to_record() for c in contexts for p in c.prompts]
    finally:
        agent.close()


def test_detectors_and_object_memory_beside_perception_say_and_believe_the_same(tmp_path):
    agent = Agent(AgentConfig(memory_path=str(tmp_path / "m.sqlite3")))
    try:
        context = agent.stages()[0]
        assert isinstance(context, ContextStage) and [s.name for s in context.early] == ["world", "senses"]
    finally:
        agent.close()
    serial = _said(tmp_path, "serial", overlap=False)
    overlapped = _said(tmp_path, "overlap", overlap=True)
    assert serial[1], "the scene must make the agent speak, or this compares nothing"
    assert overlapped == serial  # every tick's trace (surprise, entities, detections, verdicts) and prompt


def test_the_onnx_encoder_gives_the_same_prompts_as_torch_eager(tmp_path):
    eager = _said(tmp_path, "torch", scenario="demo", perception_backend="torch")
    graph = _said(tmp_path, "onnx", scenario="demo", perception_backend="onnx")
    assert eager[1], "the scene must make the agent speak, or this compares nothing"
    assert graph[1] == eager[1]


def _frames(source) -> list:
    return list(source.frames())


def test_read_ahead_gives_the_same_frames_in_the_same_order():
    source = SyntheticSource(seed=2, duration_s=2.0, scenario="mixed", fps=30.0)
    direct, ahead = _frames(source), _frames(ReadAhead(source, depth=4))
    assert [(type(f), f.source, f.seq, f.t_ns) for f in ahead] == [(type(f), f.source, f.seq, f.t_ns) for f in direct]
    videos = [(a, b) for a, b in zip(direct, ahead) if isinstance(a, VideoFrame)]
    assert len(videos) > 30 and all(np.array_equal(a.image, b.image) for a, b in videos)
    assert ReadAhead(source).describe() == source.describe()


class _Breaks:
    """A recording that fails after a few frames, as a damaged file does."""

    def __init__(self, good: int) -> None:
        self.good = good

    def frames(self):
        yield from list(SyntheticSource(seed=0, duration_s=1.0).frames())[: self.good]
        raise ValueError("chunk 7 is damaged")

    def describe(self) -> dict:
        return {}


def test_read_ahead_raises_the_sources_error_where_the_frame_would_have_been():
    got = []
    with pytest.raises(ValueError, match="chunk 7 is damaged"):
        for frame in ReadAhead(_Breaks(5), depth=2).frames():
            got.append(frame)
    assert len(got) == 5


def test_a_consumer_that_stops_early_leaves_no_reader_behind():
    frames = ReadAhead(SyntheticSource(seed=0, duration_s=30.0), depth=2).frames()
    first = [next(frames) for _ in range(3)]
    frames.close()  # the pipeline stopped: the reader thread must end, not block on a full queue
    assert len(first) == 3
    assert not any(t.name == "read-ahead" and t.is_alive() for t in threading.enumerate())


def _recorded(tmp_path: Path, fps: float = 30.0) -> Path:
    from streams.recording import McapRecorder

    path = tmp_path / "scene.mcap"
    with McapRecorder(path) as rec:
        for frame in SyntheticSource(seed=4, duration_s=3.0, scenario="mixed", fps=fps).frames():
            rec.write(frame)
    return path


def _newest_of_each_tick(frames: list) -> list[tuple[str, int]]:
    """What the pipeline's ticks show as their newest frame, assembled as a lock-step run does."""
    from streams.sync import TickSynchronizer

    sync, newest, last_ns = TickSynchronizer(tick_hz=10.0), [], 0
    for frame in frames:
        newest += [t.latest_video for t in sync.ticks_due(frame.t_ns - 1)]
        sync.add(frame)
        last_ns = max(last_ns, getattr(frame, "end_ns", frame.t_ns))
    newest += [t.latest_video for t in sync.ticks_due(last_ns)]
    return sorted({(f.source, f.seq) for f in newest if f is not None})


def _first_video(frames: list) -> tuple[str, int]:
    first = next(f for f in frames if isinstance(f, VideoFrame))
    return first.source, first.seq


def test_read_ahead_decodes_the_frames_the_agent_reads_and_no_others(tmp_path):
    from streams.recording import McapReplaySource

    source = McapReplaySource(_recorded(tmp_path))
    frames = _frames(ReadAhead(source, depth=8, tick_hz=10.0))  # the reader has ended when this returns
    videos = [f for f in frames if isinstance(f, VideoFrame)]
    decoded = sorted((f.source, f.seq) for f in videos if f.decoded)
    # Each tick's newest, and the first, which the first ticks' clips reach back to.
    assert decoded == sorted({*_newest_of_each_tick(frames), _first_video(frames)})
    assert len(videos) == 90 and len(decoded) == 31
    direct = [f for f in _frames(source) if isinstance(f, VideoFrame)]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(videos, direct))


def test_a_lock_step_replay_decodes_only_what_the_agent_reads_and_says_the_same(tmp_path, monkeypatch):
    import streams.frames as frames_module
    from tools.commands.common import open_replay, run_agent

    path = _recorded(tmp_path)
    decodes: list[int] = []
    real = frames_module.decode_image
    monkeypatch.setattr(frames_module, "decode_image", lambda data: decodes.append(1) or real(data))
    said = {}
    for read_ahead in (False, True):
        decodes.clear()
        agent = Agent(AgentConfig(memory_path=str(tmp_path / f"m{read_ahead}.sqlite3")))
        trace, prompts = tmp_path / f"t{read_ahead}.jsonl", tmp_path / f"p{read_ahead}.jsonl"
        try:
            summary, _ = run_agent(open_replay(path), agent, speed=None, prompts_out=str(prompts),
                                   trace_out=str(trace), read_ahead=read_ahead)
        finally:
            agent.close()
        # 90 frames at 30 fps, 30 ticks: each tick's newest is read (perception's clip reaches
        # back to earlier ticks' newest, and at first to the first frame), the other 59 never are.
        assert summary.ticks_processed == 30 and len(decodes) == 31, (read_ahead, len(decodes))
        said[read_ahead] = (trace.read_bytes(), prompts.read_bytes())
    assert said[True] == said[False]


def test_the_latent_prediction_made_beside_perception_is_the_one_the_step_would_make():
    from dataclasses import replace

    from glasses_agent.context import TickContext
    from glasses_agent.agent.stages.perception import PerceptionStage
    from glasses_agent.perception import load_encoder
    from glasses_agent.world_model import WorldModel
    from streams.stages import FunctionStage

    to_context = FunctionStage(lambda tick: TickContext(tick=tick), name="context")
    result = run_test(build("approach", 0, duration_s=4.0).source, [to_context, PerceptionStage(load_encoder())])
    contexts = result.outputs["perception"]
    inside, early, stale = WorldModel.load(), WorldModel.load(), WorldModel.load()
    said = {"inside": [], "early": [], "stale": []}
    late = None
    for ctx in contexts:
        said["inside"].append(inside.step(replace(ctx, extras={})))
        said["early"].append(early.step(replace(ctx, extras={}), early.observe_pixels(ctx.tick),
                                        early.predict_latent(ctx.tick)))
        # A prediction made from an older history (the tick before) must not be taken for this one.
        said["stale"].append(stale.step(replace(ctx, extras={}), stale.observe_pixels(ctx.tick), late))
        late = stale.predict_latent(ctx.tick)
    assert len(contexts) == 40 and any(s.surprise_raw for s in said["inside"][5:])
    assert said["early"] == said["inside"] and said["stale"] == said["inside"]


def test_the_pixel_half_with_its_flow_found_on_another_thread_finds_the_same():
    from concurrent.futures import ThreadPoolExecutor

    from glasses_agent.context import TickContext
    from glasses_agent.world_model import WorldModel
    from streams.stages import FunctionStage

    to_context = FunctionStage(lambda tick: TickContext(tick=tick), name="context")
    ticks = [ctx.tick for ctx in run_test(build("demo", 0, duration_s=4.0).source, [to_context]).outputs["context"]]
    alone, helped = WorldModel(None), WorldModel(None)
    with ThreadPoolExecutor(max_workers=1) as beside:
        pairs = [(alone.observe_pixels(tick), helped.observe_pixels(tick, beside)) for tick in ticks]
    assert len(pairs) == 40 and sum(a.unexplained.score > 0 for a, _ in pairs) >= 3  # the extrapolation has things to say
    for a, b in pairs:
        assert (a.unexplained, a.objects, a.gone) == (b.unexplained, b.objects, b.gone)
        assert a.motion.ok == b.motion.ok and np.array_equal(a.motion.homography, b.motion.homography)
