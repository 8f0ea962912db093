"""Clocks behind one interface: real time for live runs, virtual time for deterministic replay.

The pipeline never calls `time` directly; it asks the injected clock. On the virtual clock
`sleep_until` returns at once and moves time forward, so a replay at `--speed max` runs as
fast as the stages allow and yields the same results every time.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """A monotonic nanosecond timeline that stages can wait on."""

    def now_ns(self) -> int: ...

    async def sleep_until(self, t_ns: int) -> None: ...

    @property
    def is_virtual(self) -> bool: ...


class RealClock:
    """Monotonic wall time, optionally scaled (`speed` 2.0 plays a recording twice as fast).

    `origin_ns` maps stream time to wall time: stream time `t` is due at
    wall `start + (t - origin_ns) / speed`.
    """

    is_virtual = False

    def __init__(self, speed: float = 1.0, origin_ns: int | None = None) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.speed = speed
        self._wall_start = time.monotonic_ns()
        self._origin_ns = self._wall_start if origin_ns is None else origin_ns

    def now_ns(self) -> int:
        elapsed = time.monotonic_ns() - self._wall_start
        return self._origin_ns + int(elapsed * self.speed)

    def rebase(self, origin_ns: int) -> None:
        """Make `origin_ns` the stream time of this instant (replay starts at the first stamp)."""
        self._wall_start = time.monotonic_ns()
        self._origin_ns = origin_ns

    async def sleep_until(self, t_ns: int) -> None:
        delay_ns = (t_ns - self.now_ns()) / self.speed
        if delay_ns > 0:
            await asyncio.sleep(delay_ns / 1e9)


class VirtualClock:
    """Time that moves only when told to: `advance_to` or a `sleep_until` into the future.

    Lock-step replay advances it to each frame's stamp, so stage latency never changes
    what the stages see.
    """

    is_virtual = True

    def __init__(self, start_ns: int = 0) -> None:
        self._now_ns = start_ns

    def now_ns(self) -> int:
        return self._now_ns

    def advance_to(self, t_ns: int) -> None:
        if t_ns > self._now_ns:
            self._now_ns = t_ns

    def rebase(self, origin_ns: int) -> None:
        self._now_ns = origin_ns

    async def sleep_until(self, t_ns: int) -> None:
        self.advance_to(t_ns)
        # Yield once so other tasks at this instant run before time moves on.
        await asyncio.sleep(0)


# -- wall clocks for pacers that wait on a thread's condition (the simulator's pacer) -----------


class MonotonicClock:
    """Wall time in seconds for people: waits time out on their own."""

    def now(self) -> float:
        return time.monotonic()

    def wait(self, cv: threading.Condition, seconds: float | None) -> None:
        cv.wait(seconds)

    def listen(self, poke: Callable[[], None]) -> None:
        return None


class ManualClock:
    """Wall time that moves only when a test calls `advance`: a waiter is woken by the move
    (through the listener) or by a command, never by a timeout, so tests say "half a second
    passes" instead of sleeping."""

    def __init__(self) -> None:
        self.t = 0.0
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> float:
        return self.t

    def wait(self, cv: threading.Condition, seconds: float | None) -> None:  # noqa: ARG002
        cv.wait()

    def listen(self, poke: Callable[[], None]) -> None:
        self._listeners.append(poke)

    def advance(self, seconds: float) -> None:
        self.t += seconds
        for poke in self._listeners:
            poke()
