"""The agent's stages for the streams pipeline.

    Tick -> ContextStage (TickContext, mode, budget) -> [perception] -> [world model]
         -> SensesStage (classical detectors, walking) -> ActorStage (proposals)
         -> CriticStage (verdicts, prompts)

Perception and the world model are the other parts' own stages, inserted when loaded. A tick
skipped for budget (battery low) ends its chain at the ContextStage (returns None).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glasses_agent.actor import View
from glasses_agent.context import TickContext
from streams.stages import Stage
from streams.sync import Tick

if TYPE_CHECKING:
    from glasses_agent.agent.agent import Agent


class ContextStage(Stage):
    name = "context"

    def __init__(self, agent: Agent) -> None:
        super().__init__()
        self.agent = agent

    async def process(self, tick: Tick) -> TickContext | None:
        return self.agent._begin_tick(tick)


class SensesStage(Stage):
    """Classical detectors (on reduced frames, slow ones every few ticks) and walking from the IMU."""

    name = "senses"

    def __init__(self, agent: Agent) -> None:
        super().__init__()
        self.agent = agent

    async def process(self, ctx: TickContext) -> TickContext:
        self.agent._sense(ctx)
        return ctx


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
