"""Short-term memory: the last seconds of percepts, events and prompts, keyed by stream time.

Everything here runs on stream time (`t_ns` of the evidence), never on the wall clock, so a
replay at `--speed max` sees exactly what a live run saw. "Now" is the newest `t_ns` added so
far; an entry older than `now - horizon` is forgotten.

Each kind has its own count bound (not one shared bound): a burst of percepts at frame rate
must never push the few recent prompts out, because the critic's "no repeats within a window"
rule reads them.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

NS_PER_S = 1_000_000_000
PROMPT = "prompt"  # the kind under which the agent adds the prompts it sent


@dataclass(frozen=True, slots=True)
class Entry:
    """One remembered item: what kind it is, its stream time, and the item itself."""

    kind: str
    t_ns: int
    item: Any
    seq: int  # insertion order; breaks ties between equal t_ns so order is stable


class ShortTermMemory:
    """A ring buffer per kind, bounded by time (`horizon_s`) and by count (`max_per_kind`).

    Items may arrive slightly out of order (audio and video of one tick come from different
    queues); they are kept sorted by `t_ns`, and equal stamps keep their arrival order. An item
    that is already older than the horizon when it arrives is not kept (and is counted).
    Thread-safe: the agent's worker writes while a simulator may read.
    """

    def __init__(self, horizon_s: float = 10.0, max_per_kind: int = 2048) -> None:
        if not horizon_s > 0:
            raise ValueError(f"horizon_s must be positive, got {horizon_s!r}")
        if max_per_kind < 1:
            raise ValueError(f"max_per_kind must be at least 1, got {max_per_kind!r}")
        self.horizon_ns = int(round(horizon_s * NS_PER_S))
        self.max_per_kind = int(max_per_kind)
        self._by_kind: dict[str, list[Entry]] = {}
        self._seq = itertools.count()
        self._now_ns: int | None = None
        self._lock = threading.Lock()
        self.expired = 0  # entries forgotten because they fell out of the horizon
        self.evicted = 0  # entries forgotten because their kind was over its count bound
        self.too_old = 0  # entries refused because they were older than the horizon on arrival

    # -- writing -------------------------------------------------------------------------------

    def add(self, kind: str, t_ns: int, item: Any) -> bool:
        """Remember `item` of `kind` at stream time `t_ns`; False if it was already too old."""
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"kind must be a non-empty string, got {kind!r}")
        t_ns = int(t_ns)
        with self._lock:
            if self._now_ns is not None and t_ns < self._now_ns - self.horizon_ns:
                self.too_old += 1
                return False
            entry = Entry(kind, t_ns, item, next(self._seq))
            entries = self._by_kind.setdefault(kind, [])
            if not entries or (entries[-1].t_ns, entries[-1].seq) <= (t_ns, entry.seq):
                entries.append(entry)  # the common case: in order
            else:
                bisect.insort(entries, entry, key=lambda e: (e.t_ns, e.seq))
            if len(entries) > self.max_per_kind:
                del entries[0]
                self.evicted += 1
            if self._now_ns is None or t_ns > self._now_ns:
                self._now_ns = t_ns
                self._expire()
            return True

    def _expire(self) -> None:
        assert self._now_ns is not None
        cutoff = self._now_ns - self.horizon_ns
        for kind in list(self._by_kind):
            entries = self._by_kind[kind]
            keep_from = bisect.bisect_left(entries, cutoff, key=lambda e: e.t_ns)
            if keep_from:
                del entries[:keep_from]
                self.expired += keep_from
            if not entries:
                del self._by_kind[kind]

    def clear(self) -> None:
        """Forget everything (e.g. when the source changes and stream time starts anew)."""
        with self._lock:
            self._by_kind.clear()
            self._now_ns = None

    # -- reading -------------------------------------------------------------------------------

    @property
    def now_ns(self) -> int | None:
        """The newest stream time seen so far, or None when nothing was added yet."""
        return self._now_ns

    def since(self, t_ns: int, kind: str | None = None) -> list[Entry]:
        """Entries with `t_ns` at or after the given stream time, oldest first; one kind or all."""
        with self._lock:
            if kind is not None:
                lists = [self._by_kind.get(kind, [])]
            else:
                lists = list(self._by_kind.values())
            parts = [e[bisect.bisect_left(e, int(t_ns), key=lambda x: x.t_ns):] for e in lists]
        return list(heapq.merge(*parts, key=lambda e: (e.t_ns, e.seq)))

    def last(self, kind: str) -> Entry | None:
        """The newest entry of `kind` (by stream time), or None."""
        with self._lock:
            entries = self._by_kind.get(kind)
            return entries[-1] if entries else None

    def recent_prompts(self, window_ns: int, now_ns: int | None = None) -> list[Any]:
        """The prompt items added within `window_ns` before `now_ns` (default: the newest stamp)."""
        now = self._now_ns if now_ns is None else int(now_ns)
        if now is None:
            return []
        return [e.item for e in self.since(now - int(window_ns), PROMPT) if e.t_ns <= now]

    def kinds(self) -> list[str]:
        with self._lock:
            return sorted(self._by_kind)

    def __len__(self) -> int:
        with self._lock:
            return sum(len(e) for e in self._by_kind.values())

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.since(-(2**63)))

    def stats(self) -> dict[str, Any]:
        """Counters for the trace and the simulator."""
        with self._lock:
            return {
                "now_ns": self._now_ns,
                "horizon_ns": self.horizon_ns,
                "entries": {k: len(v) for k, v in sorted(self._by_kind.items())},
                "expired": self.expired,
                "evicted": self.evicted,
                "too_old": self.too_old,
            }
