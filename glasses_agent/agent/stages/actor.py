"""Step 5 of the chain: the actor's proposals, `ctx.proposals`.

The mode's Mode-1 policies (glasses_agent.actor) each look at the tick (its world state,
detections, walking, goal) and propose prompts; guidance toward a goal asks the world model's
planner. They only propose: the critic decides.
"""

from __future__ import annotations

from glasses_agent.actor import View
from glasses_agent.agent.parts import AgentParts
from glasses_agent.context import TickContext
from streams.stages import Stage


class ActorStage(Stage):
    """Takes a TickContext, sets `ctx.proposals` in policy order."""

    name = "actor"

    def __init__(self, parts: AgentParts) -> None:
        super().__init__()
        self.actor = parts.actor
        self.configurator = parts.configurator

    async def process(self, ctx: TickContext) -> TickContext:
        view = View(ctx=ctx, detections=ctx.detections, settings=self.configurator.settings,
                    walking=ctx.walking, goal=ctx.goal)
        ctx.proposals = self.actor.propose(view)
        return ctx
