"""The agent loop: the Agent, its parts, its chain of stages (stages/), trace records and output writers."""

from glasses_agent.agent.agent import Agent, UnknownPromptError
from glasses_agent.agent.config import AgentConfig
from glasses_agent.agent.stages.critic import context_key
from glasses_agent.agent.trace import trace_record

__all__ = ["Agent", "AgentConfig", "UnknownPromptError", "context_key", "trace_record"]
