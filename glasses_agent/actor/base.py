"""What every Mode-1 policy sees and how it phrases a prompt.

A policy is a small object with `kind` and `propose(view) -> list[Prompt]`; it may keep state
across ticks (onsets need the previous value). It proposes; the critic decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol

from glasses_agent.configurator.modes import ModeSettings
from glasses_agent.context import TickContext, WorldState
from glasses_agent.detectors.base import Detections
from glasses_agent.prompts import MAX_TEXT_CHARS, PRIORITY_NORMAL, Prompt, make_prompt_id


# Where NAME is across the view (0 left .. 1 right) for this tick, None if unknown: the world
# model's `direction_to`, which guidance asks.
Planner = Callable[[TickContext, str], "float | None"]


@dataclass
class View:
    """One tick as the policies see it."""

    ctx: TickContext
    detections: Detections | None
    settings: ModeSettings
    walking: bool
    goal: str | None = None

    @property
    def t_ns(self) -> int:
        return self.ctx.t_ns

    @property
    def world(self) -> WorldState | None:
        """The world model's state this tick (None without a world model)."""
        return self.ctx.world


class Policy(Protocol):
    """A Mode-1 policy: its prompt `kind` and `propose(view)`, which may keep state across ticks."""

    kind: str

    def propose(self, view: View) -> list[Prompt]: ...


def fit(text: str) -> str:
    """Text that fits the display: cut at a word boundary with an ellipsis when too long."""
    text = " ".join(text.split())
    if len(text) <= MAX_TEXT_CHARS:
        return text
    cut = text[: MAX_TEXT_CHARS - 1].rsplit(" ", 1)[0] or text[: MAX_TEXT_CHARS - 1]
    return cut + "…"


def prompt(
    kind: str,
    t_ns: int,
    text: str,
    *,
    priority: int = PRIORITY_NORMAL,
    haptic: str = "none",
    ttl_ms: int = 5_000,
    ordinal: int = 0,
    **evidence: Any,
) -> Prompt:
    """A Prompt of `kind` at `t_ns`: its id from kind, time and `ordinal`, its text fitted to the
    display, its evidence with floats rounded and None values left out."""
    clean = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in evidence.items() if v is not None}
    return Prompt(id=make_prompt_id(kind, t_ns, ordinal), t_ns=t_ns, kind=kind, text=fit(text), priority=priority,
                  haptic=haptic, ttl_ms=ttl_ms, evidence=clean)
