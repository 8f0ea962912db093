"""Errors of the perception part, each printed by the CLI as one line."""

from __future__ import annotations

from glasses_agent.errors import GlassesAgentError


class PerceptionError(GlassesAgentError):
    """Base of the perception model's user-facing errors."""


class CheckpointError(PerceptionError):
    """A checkpoint that is missing, unreadable, or of another shape than its config says."""


class EmptyDatasetError(PerceptionError):
    """Training or evaluation data that yields no clips."""
