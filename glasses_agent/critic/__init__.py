"""The critic: hard rules (safety first, gaps, repeats, caps, quiet, privacy) and a learned critic."""

from glasses_agent.critic.critic import Critic
from glasses_agent.critic.learned import PARAMS_KEY, LearnedCritic

__all__ = ["Critic", "LearnedCritic", "PARAMS_KEY"]
