"""The critic: hard rules, then the learned critic, then the per-tick budget; one verdict each.

Proposals are judged safety first (highest priority, then time, then id, so the order is
deterministic). What passes is remembered in short-term memory at once, so a second proposal of
the same kind in the same tick meets the min-gap rule. The learned critic is never asked about a
safety prompt: dismissing hazards can never mute a hazard.
"""

from __future__ import annotations

from glasses_agent.configurator.modes import ModeSettings
from glasses_agent.context import Verdict
from glasses_agent.critic.learned import MIN_FEEDBACK, LearnedCritic
from glasses_agent.critic.rules import HARD_RULES
from glasses_agent.memory.short_term import PROMPT, ShortTermMemory
from glasses_agent.prompts import Prompt


class Critic:
    """Decides which proposals reach the wearer: hard rules first (safety, gaps, repeats, rate, quiet
    mode), then the learned critic; a verdict with its reason for each."""

    def __init__(self, memory: ShortTermMemory, learned: LearnedCritic | None = None) -> None:
        self.memory = memory
        self.learned = learned if learned is not None else LearnedCritic()

    def judge(
        self, proposals: list[Prompt], settings: ModeSettings, context: str
    ) -> tuple[list[Verdict], list[Prompt]]:
        verdicts: list[Verdict] = []
        allowed: list[Prompt] = []
        others_this_tick = 0
        for p in sorted(proposals, key=lambda q: (-q.priority, q.t_ns, q.id)):
            reason, cost = self._reason(p, settings, context, others_this_tick)
            ok = reason is None
            verdicts.append(Verdict(prompt_id=p.id, kind=p.kind, allowed=ok, reason=reason or "ok", cost=round(cost, 4)))
            if ok:
                allowed.append(p)
                self.memory.add(PROMPT, p.t_ns, p)
                if not p.is_safety:
                    others_this_tick += 1
        return verdicts, allowed

    def _reason(self, p: Prompt, settings: ModeSettings, context: str, others: int) -> tuple[str | None, float]:
        for rule in HARD_RULES:
            why = rule(p, settings=settings, memory=self.memory)
            if why is not None:
                return why, 1.0
        if p.is_safety:
            return None, 0.0
        helpful = self.learned.p_helpful(p.kind, context)
        cost = 1.0 - helpful
        if self.learned.feedback_count(p.kind, context) >= MIN_FEEDBACK and helpful < settings.learned_threshold:
            return f"learned: rarely helpful here (p={helpful:.2f})", cost
        if others >= settings.max_per_tick:
            return f"budget: {settings.max_per_tick} prompt(s) a tick", cost
        return None, cost
