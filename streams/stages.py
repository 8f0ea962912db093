"""Stages: small processors that turn each tick's item into the next stage's item.

A stage returns the item for the next stage, or None to end that tick's chain. Heavy work
(torch) belongs off the event loop: `run_in_worker` runs it on the stage's one worker thread so
capture never stalls and results keep their order.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass
class StageStats:
    """A stage's counters: calls, errors and recent latencies (p50/p99)."""

    calls: int = 0
    errors: int = 0
    latencies_ns: deque[int] = field(default_factory=lambda: deque(maxlen=4096), repr=False)

    def record(self, ns: int) -> None:
        self.calls += 1
        self.latencies_ns.append(ns)

    def percentile_ms(self, q: float) -> float:
        if not self.latencies_ns:
            return 0.0
        return float(np.percentile(np.fromiter(self.latencies_ns, np.int64), q)) / 1e6

    def as_dict(self) -> dict[str, float | int]:
        return {
            "calls": self.calls,
            "errors": self.errors,
            "p50_ms": round(self.percentile_ms(50), 3),
            "p99_ms": round(self.percentile_ms(99), 3),
        }


class Stage:
    """Override `process`; `start` and `stop` bracket a run (open files, load models)."""

    name = "stage"

    def __init__(self) -> None:
        self.stats = StageStats()
        self._worker: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        return None

    async def process(self, item: Any) -> Any:
        return item

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.shutdown(wait=True)
            self._worker = None

    async def run_in_worker(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run blocking work on this stage's single worker thread (order kept, loop free)."""
        return await self.start_in_worker(fn, *args)

    def start_in_worker(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future:
        """Start blocking work on this stage's worker thread without waiting for it: the future
        is its result (work started early, awaited later in the chain)."""
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"stage-{self.name}")
        return asyncio.get_running_loop().run_in_executor(self._worker, fn, *args)


class FunctionStage(Stage):
    """Wraps a plain function (sync or async) as a stage; handy in tests."""

    def __init__(self, fn: Callable[[Any], Any], name: str | None = None) -> None:
        super().__init__()
        self.fn = fn
        self.name = name or getattr(fn, "__name__", "function")

    async def process(self, item: Any) -> Any:
        out = self.fn(item)
        if asyncio.iscoroutine(out):
            out = await out
        return out


async def run_chain(stages: list[Stage], item: Any) -> list[Any]:
    """Push one item through the stages in order; returns each stage's output (None ends early)."""
    outputs = []
    for stage in stages:
        t0 = time.perf_counter_ns()
        try:
            item = await stage.process(item)
        except Exception:
            stage.stats.errors += 1
            raise
        stage.stats.record(time.perf_counter_ns() - t0)
        outputs.append(item)
        if item is None:
            break
    return outputs
