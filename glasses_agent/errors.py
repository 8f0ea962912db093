"""The base of every error the agent raises for a person to read.

The command line prints any `GlassesAgentError` as one line on stderr and exits non-zero, so
each message must say what was wrong and, where it helps, what to do instead.
"""

from __future__ import annotations


class GlassesAgentError(Exception):
    """Base for the agent's user-facing errors (bad checkpoint, empty data set, unknown name...)."""
