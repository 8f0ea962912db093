"""The world model as a pipeline stage: takes a TickContext, sets `ctx.world`.

    stage = WorldModelStage(WorldModel.load(memory=store))     # or load_world_stage(path)

Torch work (the latent dynamics) runs on the stage's worker thread, so capture never stalls.
A context without a percept still gets a world state: entities from the object memory and
surprise from it alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streams.stages import Stage

from glasses_agent.context import TickContext
from glasses_agent.world_model.world import WorldModel


class WorldModelStage(Stage):
    name = "world"

    def __init__(self, world: WorldModel | str | Path | None = None, *, memory: Any = None) -> None:
        super().__init__()
        if not isinstance(world, WorldModel):
            world = WorldModel.load(world, memory=memory)
        self.world = world

    async def process(self, ctx: TickContext) -> TickContext:
        ctx.world = await self.run_in_worker(self.world.step, ctx)
        return ctx

    # The agent's API, forwarded (the simulator and the device enroll through the agent).
    def enroll(self, name: str, ctx: TickContext, box: tuple[float, float, float, float]) -> Any:
        return self.world.enroll_object(name, ctx, box)

    def enroll_sound(self, name: str, percepts: list, others: list = ()) -> Any:
        return self.world.enroll_sound(name, percepts, others)

    def plan(self, ctx: TickContext, name: str) -> tuple[float, float] | None:
        return self.world.plan_toward(name, ctx)

    def direction_to(self, ctx: TickContext, name: str) -> float | None:
        return self.world.direction_to(ctx, name)


def load_world_stage(path: str | Path | None = None, *, memory: Any = None) -> WorldModelStage:
    """The stage for a world checkpoint (None: the shipped default). Raises WorldCheckpointError."""
    return WorldModelStage(WorldModel.load(path, memory=memory))
