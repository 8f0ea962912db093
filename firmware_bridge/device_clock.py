"""The device's side of time sync: NTP-style exchanges with the agent (`time/request` and `time/reply`).

Each exchange stamps four times: t1 the device sends, t2 the agent receives, t3 the agent replies,
t4 the device receives. Of several exchanges the one with the smallest round trip gives the offset,
as queueing in the broker only ever lengthens a trip (and skews the midpoint of a long one).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

TIME_EXCHANGES = 5


def clock_offset(t1: int, t2: int, t3: int, t4: int) -> tuple[int, int]:
    """NTP's estimate: (agent minus device offset, round-trip delay), all in ns."""
    return ((t2 - t1) + (t3 - t4)) // 2, (t4 - t1) - (t3 - t2)


class ClockSync:
    """Sends time requests through `request(id, t1)` (False when it could not be sent) stamped by
    `device_now_ns`; the device's consumer hands each reply to `replied`."""

    def __init__(self, request: Callable[[int, int], Awaitable[bool]], device_now_ns: Callable[[], int]) -> None:
        self._request = request
        self._device_now_ns = device_now_ns
        self._replies: dict[int, tuple[dict[str, Any], int]] = {}
        self._last_id = 0
        self._replied = asyncio.Event()

    def replied(self, record: dict[str, Any], received_device_ns: int) -> None:
        self._replies[record["id"]] = (record, received_device_ns)
        self._replied.set()

    async def measure(self, rounds: int = TIME_EXCHANGES, timeout_s: float = 10.0,
                      retry_s: float = 0.5) -> tuple[int, int]:
        """(offset, round trip) in ns of the best of `rounds` answered exchanges.

        Requests go at QoS 0 and may be lost (or beat the bridge's subscription): one without a
        reply within `retry_s` is simply replaced by a fresh one.
        """
        best: tuple[int, int] | None = None
        deadline = time.monotonic() + timeout_s
        got = 0
        while got < rounds:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no time reply from the agent within {timeout_s:g} s (is the bridge running?)")
            self._last_id += 1
            rid = self._last_id
            self._replied.clear()
            await self._request(rid, self._device_now_ns())
            retry_at = time.monotonic() + retry_s
            while rid not in self._replies and time.monotonic() < retry_at:
                self._replied.clear()
                try:
                    await asyncio.wait_for(self._replied.wait(), max(0.0, retry_at - time.monotonic()))
                except asyncio.TimeoutError:
                    break
            if rid not in self._replies:
                continue
            reply, t4 = self._replies.pop(rid)
            got += 1
            offset, rtt = clock_offset(reply["t1"], reply["t2"], reply["t3"], t4)
            if best is None or rtt < best[1]:
                best = (offset, rtt)
        self._replies.clear()
        assert best is not None
        return best
