"""Ticks: the latest video frames, the last second of audio and the IMU since the previous tick.

Alignment is by capture stamp (`t_ns`), never by arrival. Frames may arrive with jitter and out
of order; the synchroniser keeps short per-stream buffers and assembles each tick when asked
for it. Missing audio is zero-filled and flagged; sequence gaps (frames lost in transit) are
counted per source.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from streams.frames import NS_PER_S, AudioChunk, EndOfStream, Event, Frame, ImuSample, TruthEvent, VideoFrame


@dataclass(frozen=True)
class Tick:
    """One step of the pipeline: what the agent perceives at stream time `t_ns`."""

    index: int
    t_ns: int
    video: tuple[VideoFrame, ...]  # oldest first, newest last, all with t_ns <= tick time
    audio: np.ndarray = field(repr=False)  # int16, exactly `audio_window` samples ending at t_ns
    sample_rate: int = 16_000
    audio_coverage: float = 0.0  # fraction of the window that real samples covered
    audio_gaps_ns: tuple[tuple[int, int], ...] = ()  # zero-filled spans (start, end) in the window
    imu: tuple[ImuSample, ...] = ()  # samples in (previous tick, this tick]
    events: tuple[Event, ...] = ()  # events in (previous tick, this tick]; never truth

    @property
    def latest_video(self) -> VideoFrame | None:
        return self.video[-1] if self.video else None

    def counts(self) -> dict[str, int | float]:
        return {
            "video": len(self.video),
            "audio_samples": int(round(self.audio_coverage * len(self.audio))),
            "imu": len(self.imu),
            "events": len(self.events),
        }


@dataclass
class SyncStats:
    """What the synchroniser counted: ticks, late frames, sequence gaps, out-of-order frames."""

    ticks: int = 0
    late_frames: int = 0  # arrived after the tick that should have held them was assembled
    seq_gaps: dict[str, int] = field(default_factory=dict)  # source -> frames missing by seq
    out_of_order: int = 0
    truth_ignored: int = 0

    def as_dict(self) -> dict:
        return {
            "ticks": self.ticks,
            "late_frames": self.late_frames,
            "seq_gaps": dict(sorted(self.seq_gaps.items())),
            "out_of_order": self.out_of_order,
        }


class TickSynchronizer:
    """Buffers frames and assembles ticks at a fixed rate on the stream timeline."""

    def __init__(
        self,
        *,
        tick_hz: float = 10.0,
        video_frames: int = 4,
        audio_window_s: float = 1.0,
        sample_rate: int = 16_000,
        start_ns: int | None = None,
    ) -> None:
        if tick_hz <= 0:
            raise ValueError(f"tick rate must be positive, got {tick_hz}")
        self.tick_hz = float(tick_hz)
        self.tick_ns = int(round(NS_PER_S / tick_hz))
        self.video_frames = video_frames
        self.sample_rate = sample_rate
        self.audio_window = int(round(audio_window_s * sample_rate))
        self.audio_window_ns = self.audio_window * NS_PER_S // sample_rate
        self.stats = SyncStats()
        self._next_tick_ns = start_ns
        # Tick k falls at origin + round(k / tick_hz) seconds, not at k whole rounded periods: at 3 Hz
        # a period of 333333333 ns drifts below frames stamped round(k / 3 s) and pushes them a tick late.
        self._origin_ns = start_ns
        self._ticks_from_origin = 0
        self._last_tick_ns: int | None = None
        self._index = 0
        # Buffers kept sorted by t_ns so out-of-order arrivals slot into place.
        self._video: list[tuple[int, int, VideoFrame]] = []
        self._audio: list[tuple[int, int, AudioChunk]] = []
        self._imu: list[tuple[int, int, ImuSample]] = []
        self._events: list[tuple[int, int, Event]] = []
        self._last_seq: dict[str, int] = {}
        self._audio_start_ns: int | None = None  # before the first sample there is nothing to lose
        self._last_t: dict[str, int] = {}

    @property
    def next_tick_ns(self) -> int | None:
        return self._next_tick_ns

    def add(self, frame: Frame) -> None:
        """Accept a frame from any source, in any order."""
        if isinstance(frame, TruthEvent):
            # Ground truth is for scorers; the agent must never see it.
            self.stats.truth_ignored += 1
            return
        if isinstance(frame, EndOfStream):
            return
        self._track_seq(frame)
        if self._next_tick_ns is None:
            # The first tick falls one tick after the first frame, so it already holds something.
            self._origin_ns = frame.t_ns
            self._ticks_from_origin = 1
            self._next_tick_ns = self._tick_time(1)
        if self._last_tick_ns is not None and frame.t_ns <= self._last_tick_ns:
            if not isinstance(frame, AudioChunk) or frame.end_ns <= self._last_tick_ns - self.audio_window_ns:
                self.stats.late_frames += 1
        key = (frame.t_ns, frame.seq)
        if isinstance(frame, AudioChunk):
            if self._audio_start_ns is None or frame.t_ns < self._audio_start_ns:
                self._audio_start_ns = frame.t_ns
        if isinstance(frame, VideoFrame):
            bisect.insort(self._video, (*key, frame), key=lambda e: e[:2])
        elif isinstance(frame, AudioChunk):
            bisect.insort(self._audio, (*key, frame), key=lambda e: e[:2])
        elif isinstance(frame, ImuSample):
            bisect.insort(self._imu, (*key, frame), key=lambda e: e[:2])
        elif isinstance(frame, Event):
            bisect.insort(self._events, (*key, frame), key=lambda e: e[:2])

    def _track_seq(self, frame: Frame) -> None:
        last = self._last_seq.get(frame.source)
        if last is not None:
            if frame.seq > last + 1:
                self.stats.seq_gaps[frame.source] = self.stats.seq_gaps.get(frame.source, 0) + frame.seq - last - 1
            elif frame.seq <= last:
                self.stats.out_of_order += 1
        if last is None or frame.seq > last:
            self._last_seq[frame.source] = frame.seq

    def ticks_due(self, watermark_ns: int) -> list[Tick]:
        """Assemble every tick whose time is at or before `watermark_ns`.

        The caller promises that no frame stamped at or before the watermark is still to come
        (replay: the next frame's stamp; live: now minus the jitter allowance).
        """
        ticks = []
        while self._next_tick_ns is not None and self._next_tick_ns <= watermark_ns:
            ticks.append(self._assemble(self._next_tick_ns))
            self._ticks_from_origin += 1
            self._next_tick_ns = self._tick_time(self._ticks_from_origin)
        return ticks

    def _tick_time(self, k: int) -> int:
        return self._origin_ns + round(k * NS_PER_S / self.tick_hz)  # type: ignore[operator]

    def _assemble(self, t_ns: int) -> Tick:
        prev_ns = self._last_tick_ns if self._last_tick_ns is not None else t_ns - self.tick_ns
        video_upto = bisect.bisect_right(self._video, t_ns, key=lambda e: e[0])
        video = tuple(e[2] for e in self._video[max(0, video_upto - self.video_frames) : video_upto])
        audio, coverage, gaps = self._audio_window(t_ns)
        imu = tuple(e[2] for e in self._imu if prev_ns < e[0] <= t_ns)
        events = tuple(e[2] for e in self._events if prev_ns < e[0] <= t_ns)
        tick = Tick(
            index=self._index,
            t_ns=t_ns,
            video=video,
            audio=audio,
            sample_rate=self.sample_rate,
            audio_coverage=coverage,
            audio_gaps_ns=gaps,
            imu=imu,
            events=events,
        )
        self._index += 1
        self._last_tick_ns = t_ns
        self.stats.ticks += 1
        self._forget_before(t_ns, video_upto)
        return tick

    def _audio_window(self, t_ns: int) -> tuple[np.ndarray, float, tuple[tuple[int, int], ...]]:
        start_ns = t_ns - self.audio_window_ns
        out = np.zeros(self.audio_window, np.int16)
        covered = np.zeros(self.audio_window, bool)
        for _, _, chunk in self._audio:
            if chunk.t_ns >= t_ns or chunk.end_ns <= start_ns:
                continue
            samples = chunk.samples
            if chunk.sample_rate != self.sample_rate:
                raise ValueError(
                    f"audio from {chunk.source!r} is {chunk.sample_rate} Hz; the pipeline runs at {self.sample_rate} Hz"
                )
            offset = int(round((chunk.t_ns - start_ns) * self.sample_rate / NS_PER_S))
            lo, hi = max(0, offset), min(self.audio_window, offset + len(samples))
            if hi > lo:
                out[lo:hi] = samples[lo - offset : hi - offset]
                covered[lo:hi] = True
        coverage = float(covered.mean()) if self.audio_window else 1.0
        return out, coverage, self._gaps(covered, start_ns)

    def _gaps(self, covered: np.ndarray, start_ns: int) -> tuple[tuple[int, int], ...]:
        if self._audio_start_ns is None:
            return ()
        # Time before the stream's first sample is not lost audio: don't flag it.
        first = int(np.ceil((self._audio_start_ns - start_ns) * self.sample_rate / NS_PER_S))
        if first > 0:
            covered = covered.copy()
            covered[: min(first, len(covered))] = True
        if covered.all():
            return ()
        edges = np.flatnonzero(np.diff(np.concatenate(([1], covered.view(np.int8), [1]))))
        to_ns = lambda i: start_ns + int(i) * NS_PER_S // self.sample_rate  # noqa: E731
        return tuple((to_ns(a), to_ns(b)) for a, b in zip(edges[::2], edges[1::2]))

    def _forget_before(self, t_ns: int, video_upto: int) -> None:
        """Drop what no later tick can use, so buffers stay bounded on long runs."""
        keep_video_from = max(0, video_upto - self.video_frames)
        del self._video[:keep_video_from]
        audio_floor = t_ns + self.tick_ns - self.audio_window_ns
        while self._audio and self._audio[0][2].end_ns <= audio_floor:
            self._audio.pop(0)
        while self._imu and self._imu[0][0] <= t_ns:
            self._imu.pop(0)
        while self._events and self._events[0][0] <= t_ns:
            self._events.pop(0)


def ticks_of_frames(frames: Iterable[Frame], sync: TickSynchronizer) -> Iterator[Tick]:
    """Every tick of a finished, time-ordered frame sequence, assembled as a replay would: each
    frame's stamp is the watermark for the ticks before it, and the last stamp flushes the rest."""
    last = None
    for frame in frames:
        sync.add(frame)
        last = frame.t_ns
        yield from sync.ticks_due(frame.t_ns - 1)
    if last is not None:
        yield from sync.ticks_due(last)
