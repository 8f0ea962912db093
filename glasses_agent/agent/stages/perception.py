"""Step 2 of the chain (with a perception checkpoint): the tick's latents from the JEPA encoder.

The stage keeps the last moments of video (FrameHistory: a tick holds only its newest frames,
the model looks further back) and encodes the tick on its one worker thread, so capture never
stalls. It sets `ctx.percept`. This module imports torch; the agent loads it only with a model.
"""

from __future__ import annotations

from glasses_agent.context import TickContext
from glasses_agent.perception.inference import FrameHistory, PerceptionEncoder
from streams.stages import Stage


class PerceptionStage(Stage):
    """Takes a TickContext, sets `ctx.percept`, returns the ctx. Torch runs on the worker thread."""

    name = "perception"

    def __init__(self, encoder: PerceptionEncoder) -> None:
        super().__init__()
        self.encoder = encoder
        self.history = FrameHistory(encoder.config)

    async def process(self, ctx: TickContext) -> TickContext:
        tick = self.history.extend(ctx.tick)
        (ctx.percept,) = await self.run_in_worker(self.encoder.encode, [tick])
        return ctx
