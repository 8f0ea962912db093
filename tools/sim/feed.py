"""Ticks one at a time from a replayable source, with seeking: the simulator owns the clock.

`Pipeline.run_lockstep` pushes a whole source through; the simulator instead pulls one tick
when its clock says so (or when the developer steps), so it drives a `TickSynchronizer` over a
`FrameSource` itself. A tick at time T is assembled once a frame stamped after T has been read,
exactly as in lock-step replay, so a tick here holds what it holds in `glasses-agent replay`.
Seeking re-opens the source and feeds the second before the target, so the first tick after a
seek has a full audio window and its video frames.
"""

from __future__ import annotations

from collections.abc import Iterator

from streams.frames import NS_PER_S, AudioChunk, EndOfStream, Frame, TruthEvent
from streams.sources.base import FrameSource
from streams.sync import Tick, TickSynchronizer

PRELOAD_NS = NS_PER_S + NS_PER_S // 2  # what a seek feeds before its target: audio window + video


class TickFeed:
    def __init__(self, source: FrameSource, *, tick_hz: float = 10.0, video_frames: int = 4) -> None:
        self.source = source
        self.tick_hz = tick_hz
        self.video_frames = video_frames
        self.tick_ns = int(round(NS_PER_S / tick_hz))
        self.first_ns: int | None = None  # stamp of the stream's first frame: tick k is at first + k*tick
        self.dropped = 0  # ticks assembled but skipped by `next_tick(not_before_ns=...)`
        describe = source.describe() if hasattr(source, "describe") else {}
        duration = describe.get("duration_s") if isinstance(describe, dict) else None
        self.duration_s: float | None = float(duration) if isinstance(duration, (int, float)) else None
        self._open(None)

    # -- reading -------------------------------------------------------------------------------

    def _open(self, start_ns: int | None) -> None:
        self.sync = TickSynchronizer(tick_hz=self.tick_hz, video_frames=self.video_frames, start_ns=start_ns)
        self._frames: Iterator[Frame] = iter(self.source.frames())
        self._pending: Frame | None = None
        self._exhausted = False
        self._last_ns: int | None = None  # end of the newest frame read
        self._last_tick_ns: int | None = None
        self._read_ahead = 0
        skip_before = None if start_ns is None else start_ns - PRELOAD_NS
        self._pull(skip_before)

    def _pull(self, skip_before: int | None = None) -> None:
        """Read the next frame the synchroniser should see into `_pending`."""
        for frame in self._frames:
            if isinstance(frame, (EndOfStream, TruthEvent)):
                continue
            if self.first_ns is None:
                self.first_ns = frame.t_ns
            if skip_before is not None and frame.t_ns < skip_before:
                continue
            self._pending = frame
            return
        self._pending = None
        self._exhausted = True

    def _take(self) -> None:
        frame = self._pending
        assert frame is not None
        self.sync.add(frame)
        end = frame.end_ns if isinstance(frame, AudioChunk) else frame.t_ns
        self._last_ns = end if self._last_ns is None else max(self._last_ns, end)
        self._pull()

    @property
    def next_tick_ns(self) -> int | None:
        """Stream time of the tick that comes next (None before the first frame / at the end)."""
        if self.sync.next_tick_ns is None and self._pending is not None:
            return self._pending.t_ns + self.tick_ns
        return self.sync.next_tick_ns

    @property
    def read_ahead(self) -> int:
        """Frames already read that belong to ticks not yet shown: the feed's queue depth."""
        return self._read_ahead

    def next_tick(self, not_before_ns: int | None = None) -> Tick | None:
        """The next tick (skipping, and counting, ticks before `not_before_ns`); None at the end."""
        while True:
            tick = self._assemble_one()
            if tick is None:
                return None
            if not_before_ns is not None and tick.t_ns < not_before_ns and not self._is_last():
                self.dropped += 1
                continue
            self._last_tick_ns = tick.t_ns
            return tick

    def _is_last(self) -> bool:
        nt = self.sync.next_tick_ns
        return self._exhausted and (nt is None or self._last_ns is None or nt > self._last_ns)

    def _assemble_one(self) -> Tick | None:
        while True:
            nt = self.sync.next_tick_ns
            if nt is not None and self._pending is not None and self._pending.t_ns > nt:
                self._read_ahead = 1
                return self.sync.ticks_due(nt)[0]
            if self._pending is None:
                if nt is None or self._last_ns is None or nt > self._last_ns:
                    return None
                self._read_ahead = 0
                return self.sync.ticks_due(nt)[0]
            self._take()

    # -- seeking -------------------------------------------------------------------------------

    def tick_time(self, t_ns: int) -> int:
        """The tick on the grid nearest `t_ns` (never before the first tick)."""
        first = self.first_ns or 0
        k = max(1, round((t_ns - first) / self.tick_ns))
        return first + k * self.tick_ns

    def seek(self, t_ns: int) -> None:
        """Re-open the source so the next tick is the one nearest `t_ns`."""
        target = self.tick_time(t_ns)
        if self.duration_s is not None and self.first_ns is not None:
            target = min(target, self.tick_time(self.first_ns + int(self.duration_s * NS_PER_S)))
        self._open(target)

    def index_of(self, t_ns: int) -> int:
        """Tick number as lock-step replay counts it (the first tick, one tick in, is 0)."""
        return (t_ns - (self.first_ns or 0)) // self.tick_ns - 1
