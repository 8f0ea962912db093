"""Work a stage starts at the ContextStage, beside perception, and takes later in chain order.

The classical detectors (senses.py) and the world model's object memory and latent prediction
(world.py) need no percept, so the ContextStage starts them on their own threads as the tick
begins; their stages then await that same tick's result. Each tick's results are awaited in the
chain's order before the next tick begins, so a lock-step replay says what a serial run says.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from glasses_agent.context import TickContext
from streams.stages import Stage, StageStats


def start_in_worker(stage: Stage, stats: StageStats, fn: Callable[..., Any], *args: Any,
                    worker: ThreadPoolExecutor | None = None) -> asyncio.Future:
    """Start blocking work on the stage's one worker thread (`Stage.start_in_worker`), or on `worker`,
    without waiting; its own duration goes to `stats` (the stage's latency is then only the wait for it)."""

    def timed() -> Any:
        t0 = time.perf_counter_ns()
        try:
            return fn(*args)
        finally:
            stats.record(time.perf_counter_ns() - t0)

    if worker is None:
        return stage.start_in_worker(timed)
    return asyncio.get_running_loop().run_in_executor(worker, timed)


class EarlyStart:
    """A stage whose work for a tick can start at the ContextStage: `begin(ctx)` starts it,
    `process(ctx)` takes the result of that same ctx (or does the work itself if none was started).
    `early_stats` times the work started early, on its thread."""

    def __init__(self) -> None:
        self._pending: tuple[TickContext, Any] | None = None  # (ctx, what begin started for it)
        self.early_stats = StageStats()

    def begin(self, ctx: TickContext) -> None:
        """Start this tick's work without waiting for it."""
        raise NotImplementedError

    def _take(self, ctx: TickContext) -> Any:
        pending, self._pending = self._pending, None
        return pending[1] if pending is not None and pending[0] is ctx else None
