"""The tick core: one pull-based iterator of ticks over a replayable source and its synchroniser.

Every way of running a recording pulls its ticks from here: lock-step replay pulls as fast as the
stages allow, the simulator's pacer pulls when its wall clock says so (and seeks), and tests pull
one at a time. A tick at time T is assembled once a frame stamped after T has been read (frames
come in stamp order, so nothing stamped at or before T is still to come); the last frame's stamp
flushes the rest. The frame that released a tick is handed to the synchroniser (and `on_frame`)
only when the next tick is asked for, so a caller that records frames sees them in the same order
against the ticks as a push-based replay would.

Seeking re-opens the source and feeds the second and a half before the target, so the first tick
after a seek has a full audio window and its video frames, as it would in a replay from the start.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import Protocol

from streams.frames import NS_PER_S, AudioChunk, EndOfStream, Frame, TruthEvent
from streams.sources.base import FrameSource
from streams.sync import Tick, TickSynchronizer

PRELOAD_NS = NS_PER_S + NS_PER_S // 2  # what a seek feeds before its target: audio window + video


class AdvancingClock(Protocol):
    """A clock that lock-step replay moves forward to each frame's stamp (streams.clock.VirtualClock)."""

    def advance_to(self, t_ns: int) -> None: ...


class TickStream:
    """Ticks one at a time from a replayable `FrameSource`, with seeking.

    `on_frame` sees every frame read (truth and end-of-stream markers included) at the moment it
    enters the synchroniser; `clock`, when given, is advanced as lock-step replay advances its
    virtual clock (to the stamp of the frame that released a tick; to the tick's own time when
    the end of the stream flushes it). `sync` may be handed in so a caller keeps its statistics.
    """

    def __init__(
        self,
        source: FrameSource,
        *,
        tick_hz: float = 10.0,
        video_frames: int = 4,
        audio_window_s: float = 1.0,
        sample_rate: int = 16_000,
        on_frame: Callable[[Frame], None] | None = None,
        clock: AdvancingClock | None = None,
        sync: TickSynchronizer | None = None,
    ) -> None:
        self.source = source
        self.tick_hz = tick_hz
        self.video_frames = video_frames
        self.audio_window_s = audio_window_s
        self.sample_rate = sample_rate
        self.tick_ns = int(round(NS_PER_S / tick_hz))
        self.on_frame = on_frame
        self.clock = clock
        self.first_ns: int | None = None  # stamp of the stream's first frame: tick k is at first + (k+1)*tick
        self.dropped = 0  # ticks assembled but skipped by `next_tick(not_before_ns=...)`
        describe = source.describe() if hasattr(source, "describe") else {}
        duration = describe.get("duration_s") if isinstance(describe, dict) else None
        self.duration_s: float | None = float(duration) if isinstance(duration, (int, float)) else None
        self._open(None, sync)

    # -- reading -------------------------------------------------------------------------------

    def _open(self, start_ns: int | None, sync: TickSynchronizer | None = None) -> None:
        self.sync = sync or TickSynchronizer(
            tick_hz=self.tick_hz, video_frames=self.video_frames, audio_window_s=self.audio_window_s,
            sample_rate=self.sample_rate, start_ns=start_ns,
        )
        self._frames: Iterator[Frame] = iter(self.source.frames())
        self._skip_before = None if start_ns is None else start_ns - PRELOAD_NS
        self._ready: deque[Tick] = deque()  # assembled, not yet handed out
        self._held: Frame | None = None  # read, released ticks, enters the synchroniser next
        self._exhausted = False
        self._flushed = False
        self._last_ns: int | None = None  # end of the newest frame the synchroniser holds

    def _enter(self, frame: Frame) -> None:
        if self.on_frame is not None:
            self.on_frame(frame)
        if isinstance(frame, (EndOfStream, TruthEvent)):
            self.sync.add(frame)  # counted (truth) or ignored, never part of a tick
            return
        self.sync.add(frame)
        end = frame.end_ns if isinstance(frame, AudioChunk) else frame.t_ns
        self._last_ns = end if self._last_ns is None else max(self._last_ns, end)

    def _read(self) -> Frame | None:
        for frame in self._frames:
            if not isinstance(frame, (EndOfStream, TruthEvent)):
                if self.first_ns is None:
                    self.first_ns = frame.t_ns
                if self._skip_before is not None and frame.t_ns < self._skip_before:
                    continue
            return frame
        return None

    def _fill(self) -> bool:
        """Assemble at least one tick into `_ready`; False at the end of the stream."""
        while not self._ready:
            if self._held is not None:
                self._enter(self._held)
                self._held = None
            if self._exhausted:
                if self._flushed:
                    return False
                self._flushed = True
                if self._last_ns is not None:
                    for tick in self.sync.ticks_due(self._last_ns):
                        self._ready.append(tick)
                continue
            frame = self._read()
            if frame is None:
                self._exhausted = True
                continue
            if self.clock is not None:
                self.clock.advance_to(frame.t_ns)
            self._ready.extend(self.sync.ticks_due(frame.t_ns - 1))
            self._held = frame
        return True

    def _pop(self) -> Tick:
        tick = self._ready.popleft()
        if self._flushed and self.clock is not None:
            self.clock.advance_to(tick.t_ns)
        return tick

    def end(self) -> None:
        """Read no further frames: the ticks already released, and those the frames read so far
        close at the end of the stream, are still handed out."""
        self._exhausted = True

    def __iter__(self) -> Iterator[Tick]:
        while (tick := self.next_tick()) is not None:
            yield tick

    def next_tick(self, not_before_ns: int | None = None) -> Tick | None:
        """The next tick (skipping, and counting, ticks before `not_before_ns`, but never the
        stream's last); None at the end."""
        while self._fill():
            tick = self._pop()
            if not_before_ns is not None and tick.t_ns < not_before_ns and not self._is_last():
                self.dropped += 1
                continue
            return tick
        return None

    def _is_last(self) -> bool:
        if self._ready:
            return False
        if self._flushed:
            return True
        if not self._exhausted or self._held is not None:
            # One more frame may still be read; the stream ends if none follows (peeked lazily).
            return False
        return True

    @property
    def next_tick_ns(self) -> int | None:
        """Stream time of the tick that comes next (None before the first frame / at the end)."""
        if self._ready:
            return self._ready[0].t_ns
        if self.sync.next_tick_ns is None and self._held is not None and not isinstance(self._held, TruthEvent):
            return self._held.t_ns + self.tick_ns
        if self._flushed:
            return None
        return self.sync.next_tick_ns

    @property
    def read_ahead(self) -> int:
        """Frames already read that belong to ticks not yet handed out: the stream's queue depth."""
        return 1 if self._held is not None else 0

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
