"""The critic's hard rules: each looks at one proposal and either lets it pass (None) or says why not.

They run in a fixed order, safety first; the first rule that refuses gives the verdict's reason.
All time is stream time (`t_ns` of the evidence), read from short-term memory of sent prompts, so a
replay judges exactly as the live run did.
"""

from __future__ import annotations

from glasses_agent.configurator.modes import ModeSettings
from glasses_agent.memory.short_term import PROMPT, ShortTermMemory
from glasses_agent.prompts import Prompt
from streams.frames import NS_PER_S

MINUTE_NS = 60 * NS_PER_S
# A conversation (utterances less than 3 s apart) or one occurrence of a sound is one thing to the
# wearer: told when it begins, then reminded at most this often a minute while it goes on.
PER_OCCURRENCE_PER_MINUTE = 2
IDENTITY_KEYS = ("person_name", "identity", "face_id")
# After a hazard warning the wearer is busy with the hazard: a surprise in the next seconds is about
# the same thing (the world model finds a looming thing's end, or its rush into view, unforetold:
# in the scenario suite five of eight approaches drew a surprise 0.5-2 s after their warning).
HAZARD_SHADOW_S = 3.0


def identifies_person(p: Prompt) -> bool:
    """True if the prompt would say who someone is: never allowed, whatever the mode."""
    ev = p.evidence
    if any(k in ev for k in IDENTITY_KEYS):
        return True
    return ev.get("entity_kind") == "person" and bool(ev.get("name"))


def sent_before(memory: ShortTermMemory, now_ns: int, window_ns: int) -> list[Prompt]:
    return [e.item for e in memory.since(now_ns - window_ns, PROMPT) if e.t_ns <= now_ns]


def check_identity(p: Prompt, **_: object) -> str | None:
    return "never identify a person" if identifies_person(p) else None


def check_quiet(p: Prompt, *, settings: ModeSettings, **_: object) -> str | None:
    if settings.quiet and not p.is_safety:
        return f"{settings.name} mode: only safety passes"
    return None


def _occurrence_word(p: Prompt) -> str:
    return "conversation" if p.kind == "speech" else f"{p.kind} occurrence"


def check_min_gap(p: Prompt, *, settings: ModeSettings, memory: ShortTermMemory, **_: object) -> str | None:
    gap = settings.gap_ns(p.kind)
    if gap <= 0:
        return None
    if p.evidence.get("opens") and p.evidence.get("occurrence") is not None:
        return None  # a new conversation or a new sound is told when it begins; the gap spaces repeats
    last = [q for q in sent_before(memory, p.t_ns, gap) if q.kind == p.kind and q.t_ns < p.t_ns]
    if last:
        ago = (p.t_ns - last[-1].t_ns) / NS_PER_S
        return f"min gap: {p.kind} sent {ago:.1f} s ago (gap {gap / NS_PER_S:g} s)"
    return None


def check_occurrence(p: Prompt, *, memory: ShortTermMemory, **_: object) -> str | None:
    """At most PER_OCCURRENCE_PER_MINUTE prompts for one conversation (or one sound's occurrence)."""
    occurrence = p.evidence.get("occurrence")
    if occurrence is None or p.is_safety:
        return None
    same = [q for q in sent_before(memory, p.t_ns, MINUTE_NS)
            if q.kind == p.kind and q.evidence.get("occurrence") == occurrence]
    if len(same) >= PER_OCCURRENCE_PER_MINUTE:
        return (f"one {_occurrence_word(p)}: {len(same)} {p.kind} prompts for it in the last minute "
                f"(at most {PER_OCCURRENCE_PER_MINUTE})")
    return None


def check_repeat(p: Prompt, *, settings: ModeSettings, memory: ShortTermMemory, **_: object) -> str | None:
    key = p.evidence.get("key")
    if key is None or p.is_safety:
        return None  # hazards are re-announced after their min gap even when nothing changed
    window = int(settings.repeat_window_s * NS_PER_S)
    for q in sent_before(memory, p.t_ns, window):
        if q.kind == p.kind and q.evidence.get("key") == key:
            return f"repeat within {settings.repeat_window_s:g} s: {key}"
    return None


def check_after_hazard(p: Prompt, *, memory: ShortTermMemory, **_: object) -> str | None:
    """No surprise within HAZARD_SHADOW_S after a hazard warning."""
    if p.kind != "surprise":
        return None
    hazards = [q for q in sent_before(memory, p.t_ns, int(HAZARD_SHADOW_S * NS_PER_S)) if q.kind == "hazard"]
    if hazards:
        ago = (p.t_ns - hazards[-1].t_ns) / NS_PER_S
        return f"hazard warned {ago:.1f} s ago: a surprise now is about the same thing (within {HAZARD_SHADOW_S:g} s)"
    return None


def check_cap(p: Prompt, *, settings: ModeSettings, memory: ShortTermMemory, **_: object) -> str | None:
    if p.is_safety:
        return None
    recent = [q for q in sent_before(memory, p.t_ns, MINUTE_NS) if not q.is_safety]
    if len(recent) >= settings.cap_per_minute:
        return f"cap: {len(recent)} prompts in the last minute (cap {settings.cap_per_minute})"
    return None


HARD_RULES = (check_identity, check_quiet, check_occurrence, check_min_gap, check_after_hazard, check_repeat, check_cap)
