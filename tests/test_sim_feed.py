"""The simulator's tick feed against lock-step replay, and seeking."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from streams.recording import McapReplaySource
from streams.testing import run_test
from streams.ticks import TickStream as TickFeed

RECORDING = Path(__file__).parent / "fixtures" / "sim" / "scene.mcap"


def all_ticks(feed: TickFeed) -> list:
    ticks = []
    while (tick := feed.next_tick()) is not None:
        ticks.append(tick)
    return ticks


def test_feed_yields_the_ticks_of_a_lockstep_replay():
    expected = run_test(RECORDING).ticks
    got = all_ticks(TickFeed(McapReplaySource(RECORDING)))
    assert [t.t_ns for t in got] == [t.t_ns for t in expected]
    for a, b in zip(got, expected):
        assert [f.seq for f in a.video] == [f.seq for f in b.video]
        assert np.array_equal(a.audio, b.audio)
        assert len(a.imu) == len(b.imu)


def test_seek_lands_on_the_nearest_tick_with_a_full_audio_window():
    feed = TickFeed(McapReplaySource(RECORDING))
    first = feed.next_tick()
    feed.seek(first.t_ns + 1_540_000_000)  # between two ticks: the nearer one
    tick = feed.next_tick()
    assert tick.t_ns == first.t_ns + 1_500_000_000
    assert tick.audio_coverage == 1.0 and len(tick.video) == 4
    # The same tick as a replay from the start has, frame for frame.
    expected = next(t for t in run_test(RECORDING).ticks if t.t_ns == tick.t_ns)
    assert np.array_equal(tick.audio, expected.audio)
    assert [f.seq for f in tick.video] == [f.seq for f in expected.video]
    assert feed.index_of(tick.t_ns) == expected.index


def test_seek_back_to_the_start_and_past_the_end():
    feed = TickFeed(McapReplaySource(RECORDING))
    ticks = all_ticks(feed)
    feed.seek(-10**12)
    assert feed.next_tick().t_ns == ticks[0].t_ns
    feed.seek(10**12)
    last = feed.next_tick()
    assert last is not None and last.t_ns == ticks[-1].t_ns
    assert feed.next_tick() is None


def test_not_before_skips_and_counts_ticks():
    feed = TickFeed(McapReplaySource(RECORDING))
    first = feed.next_tick()
    tick = feed.next_tick(not_before_ns=first.t_ns + 500_000_000)
    assert tick.t_ns == first.t_ns + 500_000_000
    assert feed.dropped == 4
