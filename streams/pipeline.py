"""The pipeline runtime: sources -> channels -> tick synchroniser -> stages, on an injected clock.

Two ways to run, one graph:
- Lock-step (virtual clock, `--speed max`): frames are taken from a replayable source in stamp
  order; before each frame, every tick that frame closes is assembled and pushed through all
  stages to completion. Nothing is dropped and no result depends on how fast a stage was, so the
  same recording always gives the same outputs.
- Paced (real clock: live devices, or a replay at `--speed X`): producers put frames into policy
  channels (video latest-wins, audio lossless-bounded), pumps move them into the synchroniser, a
  ticker assembles each tick once the clock passes it plus a jitter allowance, and the stage
  runner takes ticks from a latest-wins channel, so a slow stage skips stale ticks (counted)
  instead of falling behind.
All tasks run in one TaskGroup: end of stream and Ctrl-C shut down cleanly; a failing stage or
source stops the pipeline with a `PipelineError` that names it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from streams.channels import Channel, ChannelClosed, Policy, audio_channel, video_channel
from streams.clock import Clock, RealClock, VirtualClock
from streams.errors import StreamError
from streams.frames import NS_PER_S, AudioChunk, EndOfStream, Event, Frame, TruthEvent, VideoFrame
from streams.sources.base import FrameSource, LiveSource
from streams.stages import Stage, run_chain
from streams.sync import Tick, TickSynchronizer


class PipelineError(StreamError):
    """A stage or source failed; the message names which and why."""


@dataclass
class RunSummary:
    """What a run did, for the CLI summary, benchmarks and tests."""

    frames: Counter = field(default_factory=Counter)  # source -> frames in
    first_ns: int | None = None
    last_ns: int | None = None
    ticks_processed: int = 0
    ticks_dropped: int = 0
    wall_s: float = 0.0
    channels: dict[str, dict] = field(default_factory=dict)
    stages: dict[str, dict] = field(default_factory=dict)
    sync: dict = field(default_factory=dict)
    stream_errors: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        if self.first_ns is None or self.last_ns is None:
            return 0.0
        return (self.last_ns - self.first_ns) / NS_PER_S

    @property
    def real_time_factor(self) -> float:
        """Processing time over stream time: below 1 is faster than real time."""
        return self.wall_s / self.duration_s if self.duration_s > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "frames": dict(sorted(self.frames.items())),
            "duration_s": round(self.duration_s, 3),
            "ticks_processed": self.ticks_processed,
            "ticks_dropped": self.ticks_dropped,
            "wall_s": round(self.wall_s, 3),
            "real_time_factor": round(self.real_time_factor, 4),
            "channels": self.channels,
            "stages": self.stages,
            "sync": self.sync,
            "stream_errors": self.stream_errors,
        }


class Pipeline:
    def __init__(
        self,
        stages: Iterable[Stage] = (),
        *,
        clock: Clock | None = None,
        tick_hz: float = 10.0,
        video_frames: int = 4,
        audio_window_s: float = 1.0,
        sample_rate: int = 16_000,
        jitter_ms: float = 60.0,
        on_frame: Callable[[Frame], None] | None = None,
    ) -> None:
        self.stages = list(stages)
        self.clock: Clock = clock if clock is not None else VirtualClock()
        self.sync = TickSynchronizer(
            tick_hz=tick_hz, video_frames=video_frames, audio_window_s=audio_window_s, sample_rate=sample_rate
        )
        self.jitter_ns = int(jitter_ms * 1e6)
        self.on_frame = on_frame
        self.summary = RunSummary()
        self.channels: dict[str, Channel] = {}
        self._stopping = asyncio.Event()

    # -- shared bookkeeping ------------------------------------------------------------------

    def _note_frame(self, frame: Frame) -> None:
        s = self.summary
        if isinstance(frame, EndOfStream):
            return
        s.frames[frame.source] += 1
        if not isinstance(frame, TruthEvent):
            s.first_ns = frame.t_ns if s.first_ns is None else min(s.first_ns, frame.t_ns)
            end = frame.end_ns if isinstance(frame, AudioChunk) else frame.t_ns
            s.last_ns = end if s.last_ns is None else max(s.last_ns, end)
        if isinstance(frame, Event) and frame.name == "stream_error":
            s.stream_errors.append(str(frame.data.get("error", frame.data)))
        if self.on_frame is not None:
            self.on_frame(frame)

    async def _process_tick(self, tick: Tick) -> None:
        try:
            await run_chain(self.stages, tick)
        except Exception as err:  # a stage's own failure: name it, keep the cause
            failing = next((s.name for s in self.stages if s.stats.errors), "stage")
            raise PipelineError(f"stage {failing!r} failed at t={tick.t_ns / 1e9:.3f}s: {err}") from err
        self.summary.ticks_processed += 1

    async def _start_stages(self) -> None:
        for stage in self.stages:
            await stage.start()

    async def _stop_stages(self) -> None:
        for stage in reversed(self.stages):
            await stage.stop()

    def _finish(self, wall_start: float) -> RunSummary:
        s = self.summary
        s.wall_s = time.perf_counter() - wall_start
        s.channels = {name: ch.stats.as_dict() for name, ch in self.channels.items()}
        s.stages = {stage.name: stage.stats.as_dict() for stage in self.stages}
        s.sync = self.sync.stats.as_dict()
        return s

    def stop(self) -> None:
        """Ask a paced run to end at the next opportunity (the simulator's quit, a duration)."""
        self._stopping.set()

    # -- lock-step replay ----------------------------------------------------------------------

    async def run_lockstep(self, source: FrameSource) -> RunSummary:
        """Replay a source on the virtual clock: deterministic, nothing dropped."""
        if not isinstance(self.clock, VirtualClock):
            raise ValueError("lock-step runs need a VirtualClock")
        wall_start = time.perf_counter()
        await self._start_stages()
        try:
            for frame in source.frames():
                if self._stopping.is_set():
                    break
                self.clock.advance_to(frame.t_ns)
                # Frames come in stamp order, so every tick strictly before this stamp is complete.
                for tick in self.sync.ticks_due(frame.t_ns - 1):
                    await self._process_tick(tick)
                self._note_frame(frame)
                self.sync.add(frame)
            if self.summary.last_ns is not None:
                for tick in self.sync.ticks_due(self.summary.last_ns):
                    self.clock.advance_to(tick.t_ns)
                    await self._process_tick(tick)
        finally:
            await self._stop_stages()
        return self._finish(wall_start)

    # -- paced: live devices or replay at a real-clock speed -----------------------------------

    async def run_paced(
        self,
        *,
        replay: FrameSource | None = None,
        live: Iterable[LiveSource] = (),
        duration_s: float | None = None,
    ) -> RunSummary:
        live = list(live)
        if replay is None and not live:
            raise ValueError("nothing to run: give a replay source or live sources")
        clock = self.clock
        if isinstance(clock, VirtualClock):
            raise ValueError("paced runs need a real clock")
        loop = asyncio.get_running_loop()
        now = clock.now_ns
        self.channels = {
            "video": video_channel(now_ns=now, maxsize=2),
            "audio": audio_channel(now_ns=now),
            "other": Channel("other", Policy.LOSSLESS, 1024, now_ns=now),
            "ticks": Channel("ticks", Policy.LATEST_WINS, 1, now_ns=now),
        }
        for ch in self.channels.values():
            ch.bind_loop(loop)
        ended: set[str] = set()
        expected_ends = len(live) + (1 if replay is not None else 0)
        producers_done = asyncio.Event()

        def route(frame: Frame) -> Channel:
            if isinstance(frame, VideoFrame):
                return self.channels["video"]
            if isinstance(frame, AudioChunk):
                return self.channels["audio"]
            return self.channels["other"]

        def emit_from_thread(frame: Frame) -> None:
            route(frame).put_threadsafe(frame)

        async def feed_replay() -> None:
            first = True
            for frame in replay.frames():
                if first and isinstance(clock, RealClock):
                    clock.rebase(frame.t_ns)  # stream time of the first frame is "now"
                    first = False
                await clock.sleep_until(frame.t_ns)
                if self._stopping.is_set():
                    break
                if isinstance(frame, VideoFrame):
                    route(frame).put_nowait(frame)  # latest-wins: a slow pump sees the newest frame
                else:
                    await route(frame).put(frame)
            await self.channels["other"].put(EndOfStream(t_ns=clock.now_ns(), seq=0, source="replay"))

        async def pump(ch: Channel) -> None:
            async for frame in ch:
                if isinstance(frame, EndOfStream):
                    ended.add(f"{frame.source}#{len(ended)}")
                    if len(ended) >= expected_ends:
                        producers_done.set()
                    continue
                self._note_frame(frame)
                self.sync.add(frame)

        async def ticker() -> None:
            while True:
                if self._stopping.is_set() or producers_done.is_set():
                    break
                due = self.sync.next_tick_ns
                if due is None:
                    await _wait_any(self._stopping, producers_done, timeout=0.02)
                    continue
                await clock.sleep_until(due + self.jitter_ns)
                for tick in self.sync.ticks_due(clock.now_ns() - self.jitter_ns):
                    self.channels["ticks"].put_nowait(tick)  # type: ignore[arg-type]
            if self.summary.last_ns is not None:
                for tick in self.sync.ticks_due(self.summary.last_ns):
                    await self.channels["ticks"].put(tick)  # type: ignore[arg-type]
            self.channels["ticks"].close()

        async def run_stages() -> None:
            async for tick in self.channels["ticks"]:
                await self._process_tick(tick)  # type: ignore[arg-type]

        async def stop_after(seconds: float) -> None:
            await asyncio.sleep(seconds)
            self.stop()

        async def watch_stop() -> None:
            await _wait_any(self._stopping, producers_done)
            for name in ("video", "audio", "other"):
                self.channels[name].close()

        wall_start = time.perf_counter()
        await self._start_stages()
        try:
            for src in live:
                src.start(emit_from_thread, now)
            async with asyncio.TaskGroup() as tg:
                if replay is not None:
                    tg.create_task(feed_replay(), name="replay")
                for name in ("video", "audio", "other"):
                    tg.create_task(pump(self.channels[name]), name=f"pump-{name}")
                tg.create_task(ticker(), name="ticker")
                runner = tg.create_task(run_stages(), name="stages")
                watcher = tg.create_task(watch_stop(), name="watch-stop")
                timer = tg.create_task(stop_after(duration_s), name="duration") if duration_s else None
                await runner
                # The stage runner ends only after the ticker has flushed: close the inputs so
                # the pumps finish too, whichever of the stop conditions came first.
                for name in ("video", "audio", "other"):
                    self.channels[name].close()
                watcher.cancel()
                if timer is not None:
                    timer.cancel()
        except* StreamError as group:
            raise group.exceptions[0] from None
        except* ChannelClosed:
            pass
        finally:
            for src in live:
                src.stop()
            await self._stop_stages()
        self.summary.ticks_dropped = self.channels["ticks"].stats.dropped
        return self._finish(wall_start)


async def _wait_any(*events: asyncio.Event, timeout: float | None = None) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
