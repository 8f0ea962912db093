"""The pipeline: sources -> tick core -> stages, run by one of the pacers.

`Pipeline` is a `TickRunner` (the stages and the bookkeeping of a run, streams.runner) with the
two pacers the CLI uses as methods:
- `run_lockstep(source)`: streams.pacers.lockstep, virtual clock, deterministic, nothing dropped.
- `run_paced(replay=..., live=...)`: streams.pacers.realtime, real clock, drops to stay current.
The simulator's pacer (pause, step, seek, speed) is streams.pacers.interactive; all of them take
their ticks from the same synchroniser, and the replayable ones from streams.ticks.TickStream.
"""

from __future__ import annotations

from collections.abc import Iterable

from streams.pacers.lockstep import LockstepPacer
from streams.pacers.realtime import RealtimePacer
from streams.runner import PipelineError, RunSummary, TickRunner
from streams.sources.base import FrameSource, LiveSource

__all__ = ["Pipeline", "PipelineError", "RunSummary"]


class Pipeline(TickRunner):
    """Stages on a clock, run lock-step or paced (see the module docstring)."""

    async def run_lockstep(self, source: FrameSource) -> RunSummary:
        """Replay a source on the virtual clock: deterministic, nothing dropped."""
        return await LockstepPacer(self).run(source)

    async def run_paced(
        self,
        *,
        replay: FrameSource | None = None,
        live: Iterable[LiveSource] = (),
        duration_s: float | None = None,
    ) -> RunSummary:
        """Run on a real clock: live sources and/or a replay at the clock's speed (drops counted)."""
        return await RealtimePacer(self).run(replay=replay, live=live, duration_s=duration_s)
