"""Channels between stages, each with an explicit policy.

- `LATEST_WINS` (video): keep the newest `maxsize` frames; a put into a full channel evicts the
  oldest and counts it as dropped. A slow consumer then always sees the freshest frame, never a
  backlog (MediaPipe's FlowLimiter idea).
- `LOSSLESS` (audio, IMU, events): bounded; a producer on the event loop waits for space.
  A producer on another thread (a PyAudio callback) must never block, so there an overflow is
  dropped and counted: the one place loss can happen, and it is reported.

In lock-step mode (virtual clock, `--speed max`) every put waits for space whatever the policy,
so nothing is dropped and replays are deterministic.
"""

from __future__ import annotations

import asyncio
import enum
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from streams.frames import Frame


class Policy(enum.Enum):
    """How a channel treats a full buffer: keep only the newest item (video) or keep all, bounded (audio)."""

    LATEST_WINS = "latest-wins"
    LOSSLESS = "lossless"


class ChannelClosed(Exception):
    """Raised by `get` once a closed channel is drained."""


@dataclass
class ChannelStats:
    """What a channel has seen; read by summaries, benchmarks and the simulator's health pane."""

    put: int = 0
    got: int = 0
    dropped: int = 0  # evicted by latest-wins
    overflow: int = 0  # refused at a thread boundary because the buffer was full
    max_depth: int = 0
    last_age_ns: int = 0  # clock.now - t_ns of the last frame taken out
    max_age_ns: int = 0
    ages_ns: deque[int] = field(default_factory=lambda: deque(maxlen=1024), repr=False)

    def as_dict(self) -> dict[str, int]:
        return {
            "put": self.put,
            "got": self.got,
            "dropped": self.dropped,
            "overflow": self.overflow,
            "max_depth": self.max_depth,
            "last_age_ms": round(self.last_age_ns / 1e6, 3),
            "max_age_ms": round(self.max_age_ns / 1e6, 3),
        }


class Channel:
    """An asyncio channel of frames with a drop policy. Not thread-safe except `put_threadsafe`."""

    def __init__(
        self,
        name: str,
        policy: Policy,
        maxsize: int = 1,
        *,
        lockstep: bool = False,
        now_ns: Callable[[], int] | None = None,
    ) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.name = name
        self.policy = policy
        self.maxsize = maxsize
        self.lockstep = lockstep
        self.stats = ChannelStats()
        self._now_ns = now_ns
        self._items: deque[Frame] = deque()
        self._closed = False
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def depth(self) -> int:
        return len(self._items)

    @property
    def closed(self) -> bool:
        return self._closed

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the loop that owns this channel, for producers on other threads."""
        self._loop = loop

    async def put(self, frame: Frame) -> None:
        """Put from the event loop. Waits for space unless the policy is latest-wins (live)."""
        if self._closed:
            raise ChannelClosed(self.name)
        must_wait = self.lockstep or self.policy is Policy.LOSSLESS
        while must_wait and len(self._items) >= self.maxsize:
            self._writable.clear()
            await self._writable.wait()
            if self._closed:
                raise ChannelClosed(self.name)
        self._append(frame)

    def put_nowait(self, frame: Frame) -> bool:
        """Put without waiting: latest-wins evicts, lossless refuses (counted). True if kept."""
        if self._closed:
            return False
        if len(self._items) >= self.maxsize and self.policy is Policy.LOSSLESS:
            self.stats.overflow += 1
            return False
        self._append(frame)
        return True

    def put_threadsafe(self, frame: Frame) -> None:
        """Put from a device thread: never blocks the device; overflow is counted, not waited on."""
        if self._loop is None:
            raise RuntimeError(f"channel {self.name!r} is not bound to an event loop")
        try:
            self._loop.call_soon_threadsafe(self.put_nowait, frame)
        except RuntimeError:
            # The loop has closed (shutdown under way): the frame has nowhere to go.
            self.stats.overflow += 1

    def _append(self, frame: Frame) -> None:
        if len(self._items) >= self.maxsize:
            self._items.popleft()
            self.stats.dropped += 1
        self._items.append(frame)
        self.stats.put += 1
        self.stats.max_depth = max(self.stats.max_depth, len(self._items))
        self._readable.set()
        if len(self._items) >= self.maxsize:
            self._writable.clear()

    async def get(self) -> Frame:
        """Take the oldest frame kept; raises `ChannelClosed` once closed and drained."""
        while not self._items:
            if self._closed:
                raise ChannelClosed(self.name)
            self._readable.clear()
            await self._readable.wait()
        frame = self._items.popleft()
        self.stats.got += 1
        if self._now_ns is not None:
            age = max(0, self._now_ns() - frame.t_ns)
            self.stats.last_age_ns = age
            self.stats.max_age_ns = max(self.stats.max_age_ns, age)
            self.stats.ages_ns.append(age)
        self._writable.set()
        return frame

    def close(self) -> None:
        """No more puts; readers drain what is left, then see `ChannelClosed`."""
        self._closed = True
        self._readable.set()
        self._writable.set()

    def __aiter__(self) -> AsyncIterator[Frame]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Frame]:
        while True:
            try:
                yield await self.get()
            except ChannelClosed:
                return


def video_channel(name: str = "video", *, lockstep: bool = False, maxsize: int = 1, now_ns=None) -> Channel:
    """The video policy: latest-wins, at most `maxsize` in flight."""
    return Channel(name, Policy.LATEST_WINS, maxsize, lockstep=lockstep, now_ns=now_ns)


def audio_channel(name: str = "audio", *, lockstep: bool = False, maxsize: int = 256, now_ns=None) -> Channel:
    """The audio policy: lossless and bounded (256 chunks of 32 ms is ~8 s of slack)."""
    return Channel(name, Policy.LOSSLESS, maxsize, lockstep=lockstep, now_ns=now_ns)
