"""The simulator's wall clocks: `MonotonicClock` for people, `ManualClock` for tests.

The controller's pacing thread waits on a condition variable; a clock decides how long. The
manual clock never times out: it wakes the waiter when a test moves it, so tests say "half a
second passes" instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()

    def wait(self, cv: threading.Condition, seconds: float | None) -> None:
        cv.wait(seconds)

    def listen(self, poke: Callable[[], None]) -> None:
        return None


class ManualClock:
    """Wall time that moves only when a test calls `advance`."""

    def __init__(self) -> None:
        self.t = 0.0
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> float:
        return self.t

    def wait(self, cv: threading.Condition, seconds: float | None) -> None:
        cv.wait()  # woken by `advance` (through the listener) or by a command

    def listen(self, poke: Callable[[], None]) -> None:
        self._listeners.append(poke)

    def advance(self, seconds: float) -> None:
        self.t += seconds
        for poke in self._listeners:
            poke()
