"""Step 1 of the chain: a Tick becomes the TickContext every later stage fills.

It decides what holds for the whole tick, once: whether the wearer walks (from the IMU), the
mode (the configurator sees walking and the tick's events: buttons, telemetry), the compute
budget (a tick skipped to save power ends its chain here), and the goal the wearer asked for.
Then it starts the work of later stages that needs no percept (early.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from glasses_agent.agent.parts import AgentParts
from glasses_agent.agent.stages.early import EarlyStart
from glasses_agent.context import TickContext
from glasses_agent.motion import WalkingDetector
from streams.stages import Stage
from streams.sync import Tick


class ContextStage(Stage):
    """Tick in, TickContext (mode, walking, goal, budget) out; None for a tick skipped for budget."""

    name = "context"

    def __init__(self, parts: AgentParts, early: Sequence[EarlyStart] = ()) -> None:
        super().__init__()
        self.configurator = parts.configurator
        self.goal = parts.goal
        self.walking = WalkingDetector()
        self.early = list(early)  # stages whose work starts here
        self.last_context: TickContext | None = None

    async def process(self, tick: Tick) -> TickContext | None:
        walking = self.walking.update(tick.imu, tick.t_ns)
        self.configurator.observe(tick.t_ns, walking, tick.events)
        budget = self.configurator.budget
        ctx = TickContext(tick=tick, mode=self.configurator.mode, walking=walking, goal=self.goal.name,
                          budget=budget.reason if budget.tick_divisor > 1 else None)
        if budget.tick_divisor > 1 and tick.index % budget.tick_divisor:
            return None  # skipped to save power: the chain ends here for this tick
        self.last_context = ctx
        for stage in self.early:
            stage.begin(ctx)
        return ctx
