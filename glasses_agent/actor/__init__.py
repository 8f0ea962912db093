"""The actor: Mode-1 policies, one small unit each, that propose prompts every tick.

Only the policies the mode enables run. The proposals of one tick are returned in a fixed
order (policy order, then each policy's own order), so a replay proposes identically.
"""

from __future__ import annotations

from glasses_agent.actor.base import Planner, Policy, View, fit, prompt
from glasses_agent.actor.hazard import HazardPolicy
from glasses_agent.actor.scene import GuidancePolicy, LeftBehindPolicy, ObjectSeenPolicy, SoundPolicy, SurprisePolicy
from glasses_agent.actor.senses import LowLightPolicy, PeoplePolicy, SpeechPolicy, TextReadPolicy
from glasses_agent.prompts import Prompt


class Actor:
    """The actor: one Mode-1 policy per prompt kind; `propose(view)` runs those the mode enables, in a
    fixed order. `planner` (the world model's `direction_to`, if loaded) guides toward a goal."""

    def __init__(self, planner: Planner | None = None) -> None:
        self.policies: dict[str, Policy] = {
            p.kind: p
            for p in (
                HazardPolicy(), SurprisePolicy(), SpeechPolicy(), SoundPolicy(), ObjectSeenPolicy(),
                LeftBehindPolicy(), LowLightPolicy(), TextReadPolicy(), PeoplePolicy(), GuidancePolicy(planner),
            )
        }

    def propose(self, view: View) -> list[Prompt]:
        out: list[Prompt] = []
        for kind, policy in self.policies.items():
            if kind in view.settings.policies:
                out.extend(policy.propose(view))
        return out


__all__ = ["Actor", "Planner", "Policy", "View", "fit", "prompt"]
