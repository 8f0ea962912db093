"""Step 6, the last of the chain: the critic's verdicts and the prompts that reach the wearer.

Hard rules first (safety first, gaps, no repeats, rate limits, quiet mode, never name a person),
then the learned critic keyed on the context (mode, walking or still). Every proposal carries
that context in its evidence and gets a verdict with its reason; the prompts let through are
remembered for the wearer's feedback (and logged in their memory unless told not to).
"""

from __future__ import annotations

from dataclasses import replace

from glasses_agent.agent.parts import AgentParts
from glasses_agent.context import TickContext
from streams.stages import Stage


def context_key(mode: str, walking: bool) -> str:
    """The context the learned critic keys on: the mode and whether the wearer walks."""
    return f"{mode}/{'walking' if walking else 'still'}"


class CriticStage(Stage):
    """Takes a TickContext, sets `ctx.verdicts` and `ctx.prompts` (and the trace's `context`)."""

    name = "critic"

    def __init__(self, parts: AgentParts) -> None:
        super().__init__()
        self.critic = parts.critic
        self.configurator = parts.configurator
        self.sent = parts.sent
        self.store = parts.store
        self.log_prompts = parts.config.log_prompts

    async def process(self, ctx: TickContext) -> TickContext:
        context = context_key(ctx.mode, ctx.walking)
        ctx.extras["context"] = context
        ctx.proposals = [replace(p, evidence={**p.evidence, "context": context}) for p in ctx.proposals]
        ctx.verdicts, ctx.prompts = self.critic.judge(ctx.proposals, self.configurator.settings, context)
        for p in ctx.prompts:
            self.sent.remember(p, context)
            if self.log_prompts:
                self.store.log_prompt(p.to_record())
        return ctx
