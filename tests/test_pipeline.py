"""The runtime: lock-step replays are deterministic, failures are named, paced runs end cleanly."""

from __future__ import annotations

import asyncio
import time

import pytest

from streams.clock import RealClock, VirtualClock
from streams.pipeline import Pipeline, PipelineError
from streams.stages import FunctionStage, Stage
from streams.testing import FrameList, run_test
from streams.trace import TickTraceStage
from tests.support.small_scene import camera_and_mic



scene = camera_and_mic  # the tests' usual scene


def test_run_test_returns_ticks_and_stage_outputs():
    result = run_test(scene(2.0), [FunctionStage(lambda tick: tick.latest_video.seq, name="newest")])
    assert len(result.ticks) == 20  # ticks at 0.1 .. 2.0 s (the audio runs to 2.0 s)
    assert result.outputs["newest"] == [t.latest_video.seq for t in result.ticks]
    assert result.summary.frames == {"camera": 60, "mic": 20}


def test_lockstep_replay_writes_identical_traces(tmp_path):
    paths = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    for p in paths:
        run_test(scene(3.0), [TickTraceStage(p)])
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert len(paths[0].read_text().splitlines()) == 30


def test_lockstep_does_not_depend_on_stage_speed():
    class Slow(Stage):
        name = "slow"

        async def process(self, tick):
            await asyncio.sleep(0.002)
            return tick.index

    fast = run_test(scene(1.0), [FunctionStage(lambda t: t.index, name="slow")])
    slow = run_test(scene(1.0), [Slow()])
    assert fast.outputs["slow"] == slow.outputs["slow"]


def test_a_failing_stage_stops_the_pipeline_with_its_name():
    def boom(tick):
        if tick.index == 3:
            raise ValueError("bad tensor shape")
        return tick

    with pytest.raises(PipelineError, match=r"stage 'exploder' failed at t=0\.400s: bad tensor shape"):
        run_test(scene(1.0), [FunctionStage(boom, name="exploder")])


def test_paced_replay_runs_in_real_time_and_ends_by_itself():
    seen = []
    pipeline = Pipeline([FunctionStage(seen.append, name="sink")], clock=RealClock(speed=4.0))
    t0 = time.perf_counter()
    summary = asyncio.run(pipeline.run_paced(replay=FrameList(scene(2.0))))
    wall = time.perf_counter() - t0
    # Video is latest-wins: on a busy machine a late frame gives way to a newer one, and is counted.
    video = summary.channels["video"]
    assert summary.frames["mic"] == 20
    assert video["put"] == 60 and summary.frames["camera"] + video["dropped"] == 60
    assert wall >= 0.4, "a 2 s stream at 4x takes about 0.5 s"
    assert [t.index for t in seen] == sorted(t.index for t in seen)
    assert summary.ticks_processed + summary.ticks_dropped == len(seen) + summary.ticks_dropped


def test_paced_slow_stage_skips_stale_ticks_instead_of_falling_behind():
    class Slow(Stage):
        name = "slow"

        async def process(self, tick):
            await asyncio.sleep(0.05)  # five ticks' worth of work at 10x speed
            return tick

    pipeline = Pipeline([Slow()], clock=RealClock(speed=10.0))
    summary = asyncio.run(pipeline.run_paced(replay=FrameList(scene(3.0))))
    assert summary.ticks_dropped > 0
    assert summary.channels["video"]["put"] == 90


def test_lockstep_needs_a_virtual_clock_and_paced_a_real_one():
    with pytest.raises(ValueError):
        asyncio.run(Pipeline(clock=RealClock()).run_lockstep(FrameList([])))
    with pytest.raises(ValueError):
        asyncio.run(Pipeline(clock=VirtualClock()).run_paced(replay=FrameList([])))
