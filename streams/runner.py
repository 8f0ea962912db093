"""The chain runner: the stages of a run, the bookkeeping of what went through them, its summary.

A pacer decides when each tick happens (streams.pacers); the runner does what every pacer needs
done with a tick and a frame: count the frame, push the tick through the stages, name the stage
that failed, and sum the run up.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from streams.channels import Channel
from streams.clock import Clock, VirtualClock
from streams.errors import StreamError
from streams.frames import NS_PER_S, AudioChunk, EndOfStream, Event, Frame, TruthEvent
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


class TickRunner:
    """Stages, a synchroniser and a clock: what a pacer runs ticks through."""

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
        self.tick_hz = tick_hz
        self.video_frames = video_frames
        self.audio_window_s = audio_window_s
        self.sample_rate = sample_rate
        self.sync = TickSynchronizer(
            tick_hz=tick_hz, video_frames=video_frames, audio_window_s=audio_window_s, sample_rate=sample_rate
        )
        self.jitter_ns = int(jitter_ms * 1e6)
        self.on_frame = on_frame
        self.summary = RunSummary()
        self.channels: dict[str, Channel] = {}
        self.stopping = asyncio.Event()

    def note_frame(self, frame: Frame) -> None:
        """Count a frame that entered the run (the summary's frames, span and stream errors)."""
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

    async def process_tick(self, tick: Tick) -> None:
        """Push one tick through every stage; a stage's failure becomes a PipelineError naming it."""
        try:
            await run_chain(self.stages, tick)
        except Exception as err:  # a stage's own failure: name it, keep the cause
            failing = next((s.name for s in self.stages if s.stats.errors), "stage")
            raise PipelineError(f"stage {failing!r} failed at t={tick.t_ns / 1e9:.3f}s: {err}") from err
        self.summary.ticks_processed += 1

    async def start_stages(self) -> None:
        for stage in self.stages:
            await stage.start()

    async def stop_stages(self) -> None:
        for stage in reversed(self.stages):
            await stage.stop()

    def finish(self, wall_start: float) -> RunSummary:
        """Close the summary: wall time, and the channels', stages' and synchroniser's figures."""
        s = self.summary
        s.wall_s = time.perf_counter() - wall_start
        s.channels = {name: ch.stats.as_dict() for name, ch in self.channels.items()}
        s.stages = {stage.name: stage.stats.as_dict() for stage in self.stages}
        s.sync = self.sync.stats.as_dict()
        return s

    def stop(self) -> None:
        """Ask a run to end at the next opportunity (the simulator's quit, a duration, a device leaving)."""
        self.stopping.set()
