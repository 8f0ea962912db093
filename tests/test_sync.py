"""Tick assembly: A/V/IMU aligned by stamp, tolerant of jitter, gaps and out-of-order arrival."""

from __future__ import annotations

import random

import numpy as np

from streams.frames import NS_PER_S, AudioChunk, ImuSample, TruthEvent, VideoFrame
from streams.sync import TickSynchronizer

SR = 16_000
MS = 1_000_000


def video(i: int, fps: float = 30.0, jitter_ns: int = 0) -> VideoFrame:
    return VideoFrame(t_ns=int(i * NS_PER_S / fps) + jitter_ns, seq=i, source="camera", image=np.zeros((2, 2, 3), np.uint8))


def audio(i: int, chunk_ms: int = 100) -> AudioChunk:
    n = SR * chunk_ms // 1000
    # Sample value = chunk index + 1, so tests can see where each chunk landed.
    return AudioChunk(t_ns=i * chunk_ms * MS, seq=i, source="mic", samples=np.full(n, i + 1, np.int16), sample_rate=SR)


def imu(i: int, hz: int = 200) -> ImuSample:
    return ImuSample(t_ns=i * NS_PER_S // hz, seq=i, source="imu")


def stream(seconds: float = 3.0) -> list:
    frames = [video(i) for i in range(int(30 * seconds))]
    frames += [audio(i) for i in range(int(10 * seconds))]
    frames += [imu(i) for i in range(int(200 * seconds))]
    return frames


def collect(frames, watermark_ns, **kw):
    sync = TickSynchronizer(tick_hz=10, sample_rate=SR, start_ns=100 * MS, **kw)
    for f in frames:
        sync.add(f)
    return sync, sync.ticks_due(watermark_ns)


def test_ticks_hold_latest_video_last_second_of_audio_and_imu_since_previous_tick():
    sync, ticks = collect(stream(3.0), 2_900 * MS)
    assert [t.t_ns for t in ticks] == [k * 100 * MS for k in range(1, 30)]
    t = ticks[14]  # t = 1.5 s
    assert all(v.t_ns <= t.t_ns for v in t.video) and t.video[-1].t_ns == video(45).t_ns
    assert len(t.video) == 4
    assert len(t.audio) == SR and t.audio_coverage == 1.0 and t.audio_gaps_ns == ()
    # The window [0.5 s, 1.5 s) is exactly chunks 5..14 (values 6..15).
    assert t.audio[0] == 6 and t.audio[-1] == 15
    assert len(t.imu) == 20 and all(1_400 * MS < s.t_ns <= 1_500 * MS for s in t.imu)


def test_out_of_order_and_jittered_arrival_gives_the_same_ticks():
    frames = stream(2.0)
    _, ordered = collect(sorted(frames, key=lambda f: f.t_ns), 1_900 * MS)
    shuffled = frames[:]
    random.Random(7).shuffle(shuffled)
    sync, scrambled = collect(shuffled, 1_900 * MS)
    assert [t.t_ns for t in ordered] == [t.t_ns for t in scrambled]
    for a, b in zip(ordered, scrambled):
        assert [v.seq for v in a.video] == [v.seq for v in b.video]
        assert np.array_equal(a.audio, b.audio)
        assert [s.seq for s in a.imu] == [s.seq for s in b.imu]
    assert sync.stats.out_of_order > 0


def test_missing_audio_is_zero_filled_and_flagged_and_seq_gaps_counted():
    frames = [f for f in stream(2.0) if not (isinstance(f, AudioChunk) and f.seq in (7, 8))]
    sync, ticks = collect(frames, 1_900 * MS)
    t = next(t for t in ticks if t.t_ns == 1_500 * MS)  # window 0.5..1.5 s holds the hole 0.7..0.9 s
    assert t.audio_coverage == 0.8
    assert t.audio_gaps_ns == ((700 * MS, 900 * MS),)
    assert not t.audio[int(0.2 * SR) : int(0.4 * SR)].any()
    assert sync.stats.seq_gaps == {"mic": 2}


def test_truth_never_reaches_a_tick():
    frames = stream(1.0) + [TruthEvent(t_ns=300 * MS, seq=0, source="truth", name="object_enters")]
    sync, ticks = collect(frames, 900 * MS)
    assert all(not t.events for t in ticks)
    assert sync.stats.truth_ignored == 1


def test_buffers_stay_bounded_on_long_runs():
    sync = TickSynchronizer(tick_hz=10, sample_rate=SR)
    for f in sorted(stream(30.0), key=lambda f: f.t_ns):
        sync.ticks_due(f.t_ns - 1)
        sync.add(f)
    assert len(sync._video) <= 8 and len(sync._audio) <= 12 and len(sync._imu) <= 40


def test_time_before_the_first_audio_sample_is_not_a_gap():
    _, ticks = collect(stream(1.0), 500 * MS)
    assert all(t.audio_gaps_ns == () for t in ticks)
    assert ticks[0].audio_coverage == 0.1
