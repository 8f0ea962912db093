"""The agent's stages for the streams pipeline.

    Tick -> ContextStage (TickContext, mode, budget) -> [perception] -> [world model]
         -> SensesStage (classical detectors, walking) -> ActorStage (proposals)
         -> CriticStage (verdicts, prompts)

Perception and the world model are the other parts' own stages, inserted when loaded. A tick
skipped for budget (battery low) ends its chain at the ContextStage (returns None).

Work that does not need the percept starts at the ContextStage and runs beside perception, each
on its own stage's one worker thread: the classical detectors (SensesStage) and the world model's
object memory (WorldStage, pixels only; its latent prediction on a second thread of its own). Each tick's results are awaited in the chain's order
before the next tick begins, so a lock-step replay gives the same prompts as a serial run;
measured with `glasses-agent bench agent`.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable

from glasses_agent.actor import View
from glasses_agent.context import TickContext
from streams.stages import Stage, StageStats
from streams.sync import Tick

if TYPE_CHECKING:
    from glasses_agent.agent.agent import Agent


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

    def _take(self, ctx: TickContext) -> Any:
        pending, self._pending = self._pending, None
        return pending[1] if pending is not None and pending[0] is ctx else None


class ContextStage(Stage):
    name = "context"

    def __init__(self, agent: Agent, early: list[Any] = ()) -> None:
        super().__init__()
        self.agent = agent
        self.early = list(early)  # stages whose work starts here

    async def process(self, tick: Tick) -> TickContext | None:
        ctx = self.agent._begin_tick(tick)
        if ctx is not None:
            for stage in self.early:
                stage.begin(ctx)
        return ctx


class SensesStage(Stage, EarlyStart):
    """Classical detectors (on reduced frames, slow ones every few ticks) and walking from the IMU.

    The detectors read only the tick's frames and audio and the mode's settings, so they start at
    the ContextStage and run while perception and the world model do; this stage's latency is
    the wait for them."""

    name = "senses"

    def __init__(self, agent: Agent) -> None:
        Stage.__init__(self)
        EarlyStart.__init__(self)
        self.agent = agent

    def begin(self, ctx: TickContext) -> None:
        every, want = self.agent._detector_plan()  # read on the loop thread: set_mode happens there
        self._pending = (ctx, start_in_worker(self, self.early_stats, self.agent._detect, ctx.tick, every, want))

    async def process(self, ctx: TickContext) -> TickContext:
        started = self._take(ctx)
        if started is not None:
            detections = await started
        else:
            every, want = self.agent._detector_plan()
            detections = await self.run_in_worker(self.agent._detect, ctx.tick, every, want)
        self.agent._sense(ctx, detections)
        return ctx


class WorldStage(Stage, EarlyStart):
    """The world model's stage with the pixel half of its step, and its latent prediction, started early.

    The object memory needs only the tick's newest frame, and the latent dynamics' prediction
    only the last ticks' grids and the head motion, so both run beside perception, each on its
    own thread (they share no state: the object memory's tracks, the latent history); the rest
    (the prediction's error, surprise, recognition) then waits for the percept. A world model
    without `observe_pixels` runs its whole step here, as its own stage would.

    The two apart: with both on one thread (~3.5 + 1.3 ms a tick alone on the gopro walk) they
    were the longest of the work beside perception, so each tick waited for them."""

    name = "world"

    def __init__(self, inner: Stage) -> None:
        Stage.__init__(self)
        EarlyStart.__init__(self)
        self.inner = inner
        self.world = getattr(inner, "world", None)
        self.prediction_stats = StageStats()  # the latent prediction started early, on its own thread
        self._prediction_worker: ThreadPoolExecutor | None = None

    def begin(self, ctx: TickContext) -> None:
        if getattr(self.world, "observe_pixels", None) is None:
            return
        pixels = start_in_worker(self, self.early_stats, self.world.observe_pixels, ctx.tick)
        predicted = None
        if getattr(self.world, "predict_latent", None) is not None:
            if self._prediction_worker is None:
                self._prediction_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stage-world-predict")
            predicted = start_in_worker(self, self.prediction_stats, self.world.predict_latent, ctx.tick,
                                        worker=self._prediction_worker)
        self._pending = (ctx, (pixels, predicted))

    async def process(self, ctx: TickContext) -> TickContext:
        started = self._take(ctx)
        if self.world is None:
            return await self.inner.process(ctx)
        if started is None:
            ctx.world = await self.run_in_worker(self.world.step, ctx)
        else:
            pixels = await started[0]
            predicted = await started[1] if started[1] is not None else None
            extra = (predicted,) if predicted is not None else ()
            ctx.world = await self.run_in_worker(self.world.step, ctx, pixels, *extra)
        return ctx

    async def stop(self) -> None:
        await self.inner.stop()
        if self._prediction_worker is not None:
            self._prediction_worker.shutdown(wait=True)
            self._prediction_worker = None
        await super().stop()


class ActorStage(Stage):
    name = "actor"

    def __init__(self, agent: Agent) -> None:
        super().__init__()
        self.agent = agent

    async def process(self, ctx: TickContext) -> TickContext:
        view = View(ctx=ctx, detections=ctx.extras.get("detections"), settings=self.agent.configurator.settings,
                    walking=bool(ctx.extras.get("walking")), goal=self.agent.goal)
        ctx.proposals = self.agent.actor.propose(view)
        return ctx


class CriticStage(Stage):
    name = "critic"

    def __init__(self, agent: Agent) -> None:
        super().__init__()
        self.agent = agent

    async def process(self, ctx: TickContext) -> TickContext:
        self.agent._judge(ctx)
        return ctx
