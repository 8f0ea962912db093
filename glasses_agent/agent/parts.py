"""What the agent is made of: one record of its parts, built once by `Agent`, that each stage
takes what it needs from (stages.context, stages.senses, ... hold their parts; none calls back).

    parts = AgentParts(config, configurator, store, critic, detectors, actor, world=world_model)
    chain = [ContextStage(parts), ..., CriticStage(parts)]
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from glasses_agent.actor import Actor
from glasses_agent.agent.config import AgentConfig
from glasses_agent.configurator import Configurator
from glasses_agent.critic import Critic
from glasses_agent.detectors import DetectorSet
from glasses_agent.memory import MemoryStore
from glasses_agent.prompts import Prompt

if TYPE_CHECKING:  # torch comes with these; the agent loads them only when a checkpoint is used
    from glasses_agent.perception import PerceptionEncoder
    from glasses_agent.world_model import WorldModel

SENT_KEPT = 4096  # prompts remembered for feedback by id (older ones are looked up in memory)


class Goal:
    """The wearer's "find NAME" request: set by `Agent.set_goal` between ticks, read once a tick
    by the ContextStage (`TickContext.goal`)."""

    def __init__(self) -> None:
        self.name: str | None = None


class SentPrompts:
    """The prompts sent lately, by id, with the critic context each was judged in: the CriticStage
    remembers them, `Agent.feedback` looks them up (older ones are in the wearer's memory)."""

    def __init__(self, kept: int = SENT_KEPT) -> None:
        self.kept = kept
        self._by_id: OrderedDict[str, tuple[Prompt, str]] = OrderedDict()

    def remember(self, prompt: Prompt, context: str) -> None:
        """Keep `prompt` (sent in critic context `context`), forgetting the oldest beyond `kept`."""
        self._by_id[prompt.id] = (prompt, context)
        if len(self._by_id) > self.kept:
            self._by_id.popitem(last=False)

    def get(self, prompt_id: str) -> tuple[Prompt, str] | None:
        """(prompt, context) of a prompt sent lately, else None."""
        return self._by_id.get(prompt_id)


@dataclass
class AgentParts:
    """Everything the agent's stages are built from. `encoder` and `world` are None when their
    checkpoint is not loaded ("none", or the shipped default missing); the chain then leaves
    their stages out."""

    config: AgentConfig
    configurator: Configurator
    store: MemoryStore  # the wearer's persistent memory: enrollments, prompts, feedback, critic params
    critic: Critic
    detectors: DetectorSet
    actor: Actor
    encoder: PerceptionEncoder | None = None
    world: WorldModel | None = None
    goal: Goal = field(default_factory=Goal)
    sent: SentPrompts = field(default_factory=SentPrompts)
