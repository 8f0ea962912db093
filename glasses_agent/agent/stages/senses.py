"""Step 4 of the chain: the classical detectors' findings, `ctx.detections`.

Looming (two cues on a 128-px frame), light, and on staggered slower schedules voice activity,
QR text and a face count (glasses_agent.detectors.DetectorSet); only the slow detectors the mode's
policies read run. They read only the tick's frames and audio and the mode's settings, so they
start at the ContextStage and run while perception and the world model do; this stage's latency
is the wait for them. The world model's object boxes of the tick before reach the looming cues
(`ObjectLookCue`): this tick's are not made yet when the detectors start.
"""

from __future__ import annotations

from glasses_agent.agent.parts import AgentParts
from glasses_agent.agent.stages.early import EarlyStart, start_in_worker
from glasses_agent.context import TickContext
from glasses_agent.detectors.base import Detections
from streams.stages import Stage

# The slow detectors and the policy kind that reads each: a detector runs only where its policy does.
READ_BY = (("qr", "text_read"), ("people", "people"), ("speech", "speech"))


class SensesStage(Stage, EarlyStart):
    """Takes a TickContext, sets `ctx.detections` (the detectors on the stage's worker thread)."""

    name = "senses"

    def __init__(self, parts: AgentParts) -> None:
        Stage.__init__(self)
        EarlyStart.__init__(self)
        self.detectors = parts.detectors
        self.configurator = parts.configurator
        # The world model's visible object boxes, (track id, box) each, as of the last tick this stage
        # saw: the detectors start before this tick's world step ends, so they time the tick before's.
        self._objects: tuple[tuple[int, tuple[float, float, float, float]], ...] = ()

    def plan(self) -> tuple[int, frozenset[str]]:
        """How often the slow detectors run and which of them the mode's policies read."""
        settings = self.configurator.settings
        want = frozenset(name for name, kind in READ_BY if kind in settings.policies)
        return settings.detector_every, want

    def begin(self, ctx: TickContext) -> None:
        """Start this tick's detectors (the plan is read here, on the loop's thread, where set_mode happens)."""
        every, want = self.plan()
        self._pending = (ctx, start_in_worker(self, self.early_stats, self._detect, ctx, every, want))

    async def process(self, ctx: TickContext) -> TickContext:
        started = self._take(ctx)
        if started is not None:
            ctx.detections = await started
        else:
            every, want = self.plan()
            ctx.detections = await self.run_in_worker(self._detect, ctx, every, want)
        # Kept for the next tick's detectors (with or without the early start: the same boxes).
        world = ctx.world
        self._objects = tuple((e.id, e.box) for e in world.entities
                              if e.visible and e.id > 0 and e.kind == "object") if world is not None else ()
        return ctx

    def _detect(self, ctx: TickContext, every: int, want: frozenset[str]) -> Detections:
        return self.detectors.run(ctx.tick, every, want=want, objects=self._objects)
