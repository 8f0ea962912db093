"""The agent loop: the Agent facade, its stages, trace records and output writers."""

from glasses_agent.agent.agent import Agent, UnknownPromptError, context_key
from glasses_agent.agent.config import AgentConfig
from glasses_agent.agent.trace import trace_record

__all__ = ["Agent", "AgentConfig", "UnknownPromptError", "context_key", "trace_record"]
