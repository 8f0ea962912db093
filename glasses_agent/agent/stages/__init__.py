"""The agent's chain of stages, one file a step, in the order a tick goes through them:

    Tick -> context.py     ContextStage     TickContext: mode, walking, goal, budget
         -> perception.py  PerceptionStage  ctx.percept       (with a perception checkpoint)
         -> world.py       WorldStage       ctx.world         (with a world checkpoint)
         -> senses.py      SensesStage      ctx.detections
         -> actor.py       ActorStage       ctx.proposals
         -> critic.py      CriticStage      ctx.verdicts, ctx.prompts

Each stage is built once from the agent's parts (parts.py) and holds what it needs; none calls
back into the Agent. early.py: the work the ContextStage starts beside perception. A tick
skipped for budget (battery low) ends its chain at the ContextStage (returns None).
PerceptionStage (perception.py) is imported from its module: it loads torch.
"""

from glasses_agent.agent.stages.actor import ActorStage
from glasses_agent.agent.stages.context import ContextStage
from glasses_agent.agent.stages.critic import CriticStage, context_key
from glasses_agent.agent.stages.early import EarlyStart
from glasses_agent.agent.stages.senses import SensesStage
from glasses_agent.agent.stages.world import WorldStage

__all__ = ["ActorStage", "ContextStage", "CriticStage", "EarlyStart", "SensesStage", "WorldStage", "context_key"]
