"""Step 3 of the chain (with a world checkpoint): the world model's belief, `ctx.world`.

Surprise (where and how much), the tracked entities, enrolled things and sounds recognised,
from the world model (glasses_agent.world_model.WorldModel.step).

Two parts of its step need no percept and start at the ContextStage, beside perception, each on
its own thread (they share no state): the object memory on the newest frame (`observe_pixels`)
and the latent dynamics' prediction from the last ticks' grids and the head motion
(`predict_latent`). The rest (the prediction's error, surprise, recognition) then waits for the
percept. With both on one thread (~3.5 + 1.3 ms a tick alone on the gopro walk) they were the
longest of the work beside perception, so each tick waited for them. The pixel half, still the
longest, finds the extrapolation's dense flow on a third thread while it measures the head's motion.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from glasses_agent.agent.stages.early import EarlyStart, start_in_worker
from glasses_agent.context import TickContext
from streams.stages import Stage, StageStats

if TYPE_CHECKING:  # the world model's package loads torch; the agent imports it with a checkpoint
    from glasses_agent.world_model import WorldModel


class WorldStage(Stage, EarlyStart):
    """Takes a TickContext, sets `ctx.world` (the world model's step on its worker thread) and
    `ctx.view_motion` (the ego-motion that step measured)."""

    name = "world"

    def __init__(self, world: WorldModel) -> None:
        Stage.__init__(self)
        EarlyStart.__init__(self)
        self.world = world
        self.prediction_stats = StageStats()  # the latent prediction started early, on its own thread
        self._prediction_worker: ThreadPoolExecutor | None = None
        self._flow_worker: ThreadPoolExecutor | None = None

    def begin(self, ctx: TickContext) -> None:
        """Start the pixel half (the extrapolation's dense flow on a thread of its own beside the
        rest) and the latent prediction for this tick."""
        if self._prediction_worker is None:
            self._prediction_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stage-world-predict")
            self._flow_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stage-world-flow")
        pixels = start_in_worker(self, self.early_stats, self.world.observe_pixels, ctx.tick, self._flow_worker)
        predicted = start_in_worker(self, self.prediction_stats, self.world.predict_latent, ctx.tick,
                                    worker=self._prediction_worker)
        self._pending = (ctx, (pixels, predicted))

    async def process(self, ctx: TickContext) -> TickContext:
        started = self._take(ctx)
        if started is None:
            ctx.world = await self.run_in_worker(self.world.step, ctx)
        else:
            pixels, predicted = await started[0], await started[1]
            ctx.world = await self.run_in_worker(self.world.step, ctx, pixels, predicted)
        ctx.view_motion = self.world.motion  # the step's ego-motion: the hazard policy removes the wearer's own approach with it
        return ctx

    async def stop(self) -> None:
        for worker in (self._prediction_worker, self._flow_worker):
            if worker is not None:
                worker.shutdown(wait=True)
        self._prediction_worker = self._flow_worker = None
        await super().stop()
