"""Channel policies under slow consumers: latest-wins keeps the newest, lossless loses nothing."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from streams.channels import Channel, ChannelClosed, Policy, audio_channel, video_channel
from streams.frames import AudioChunk, VideoFrame


def vframe(i: int) -> VideoFrame:
    return VideoFrame(t_ns=i * 100, seq=i, source="camera", image=np.zeros((2, 2, 3), np.uint8))


def achunk(i: int) -> AudioChunk:
    return AudioChunk(t_ns=i * 100, seq=i, source="mic", samples=np.full(4, i, np.int16))


async def _drain_slowly(ch: Channel, schedule: list[int]) -> list[int]:
    """Consumer that lets the producer run `schedule[k]` steps between its k-th and k+1-th get."""
    got = []
    for pause in schedule:
        for _ in range(pause):
            await asyncio.sleep(0)
        try:
            got.append((await ch.get()).seq)
        except ChannelClosed:
            break
    got.extend([f.seq async for f in ch])
    return got


@given(
    n=st.integers(1, 60),
    maxsize=st.integers(1, 4),
    schedule=st.lists(st.integers(0, 6), max_size=60),
)
def test_latest_wins_keeps_newest_and_counts_every_drop(n, maxsize, schedule):
    async def scenario():
        ch = video_channel(maxsize=maxsize)

        async def produce():
            for i in range(n):
                ch.put_nowait(vframe(i))
                await asyncio.sleep(0)
            ch.close()

        _, got = await asyncio.gather(produce(), _drain_slowly(ch, schedule))
        return ch, got

    ch, got = asyncio.run(scenario())
    assert got == sorted(got), "order is kept"
    assert got[-1] == n - 1, "the newest frame always gets through"
    assert len(got) + ch.stats.dropped == n, "every frame is either delivered or counted as dropped"
    assert ch.stats.max_depth <= maxsize


@given(
    n=st.integers(1, 80),
    maxsize=st.integers(1, 8),
    schedule=st.lists(st.integers(0, 6), max_size=80),
)
def test_lossless_delivers_everything_in_order_with_a_waiting_producer(n, maxsize, schedule):
    async def scenario():
        ch = audio_channel(maxsize=maxsize)

        async def produce():
            for i in range(n):
                await ch.put(achunk(i))
            ch.close()

        _, got = await asyncio.gather(produce(), _drain_slowly(ch, schedule))
        return ch, got

    ch, got = asyncio.run(scenario())
    assert got == list(range(n))
    assert ch.stats.dropped == 0 and ch.stats.overflow == 0
    assert ch.stats.max_depth <= maxsize


@given(n=st.integers(1, 200), maxsize=st.integers(1, 16))
def test_lossless_overflow_at_a_thread_boundary_is_counted_not_blocking(n, maxsize):
    async def scenario():
        ch = audio_channel(maxsize=maxsize)
        ch.bind_loop(asyncio.get_running_loop())
        # A device thread bursts n chunks while the loop is not consuming: it must not block.
        t = threading.Thread(target=lambda: [ch.put_threadsafe(achunk(i)) for i in range(n)])
        t.start()
        await asyncio.to_thread(t.join)
        await asyncio.sleep(0)  # let the scheduled puts land
        ch.close()
        return ch, [f.seq async for f in ch]

    ch, got = asyncio.run(scenario())
    assert got == list(range(min(n, maxsize))), "what fits is kept, in order"
    assert ch.stats.overflow == n - len(got), "the rest is counted as overflow"


@given(n=st.integers(1, 40), schedule=st.lists(st.integers(0, 4), max_size=40))
def test_lockstep_latest_wins_drops_nothing(n, schedule):
    async def scenario():
        ch = Channel("video", Policy.LATEST_WINS, 1, lockstep=True)

        async def produce():
            for i in range(n):
                await ch.put(vframe(i))
            ch.close()

        _, got = await asyncio.gather(produce(), _drain_slowly(ch, schedule))
        return ch, got

    ch, got = asyncio.run(scenario())
    assert got == list(range(n)) and ch.stats.dropped == 0


def test_frame_age_is_observed_on_get():
    now = [1_000_000_300]
    ch = video_channel(now_ns=lambda: now[0])

    async def scenario():
        ch.put_nowait(vframe(3))  # t_ns = 300
        now[0] = 2_500_000_300
        await ch.get()

    asyncio.run(scenario())
    assert ch.stats.last_age_ns == 2_500_000_000
    assert ch.stats.as_dict()["last_age_ms"] == 2500.0
