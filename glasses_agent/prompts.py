"""The prompt: what reaches the wearer, as one record.

The same record is a line of `--prompts-out`, the body of the MQTT prompt message and a row of
persistent memory (DESIGN.md, "Prompt record"):

    {"id", "t_ns", "kind", "text", "priority", "haptic", "ttl_ms", "evidence"}

`kind` is a stable machine name that firmware and scorers switch on; `t_ns` is the stream time of
the evidence that caused the prompt (not when it was sent); `id` is derived from kind and time so
a deterministic replay gives byte-identical prompt files and a device can de-duplicate re-sends.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from glasses_agent.errors import GlassesAgentError

# Stable machine names. New kinds may be added; existing ones never change meaning.
PROMPT_KINDS = (
    "hazard",  # something approaching fast: safety, always first
    "surprise",  # an unexpected change in the scene, with where
    "object_seen",  # an enrolled object came into view
    "left_behind",  # an enrolled object stays while the wearer walks away
    "speech",  # someone started speaking
    "sound",  # an enrolled sound (an alarm, a doorbell)
    "low_light",
    "text_read",  # a QR code (or other text) was read
    "people",  # how many people are present; never who
    "guidance",  # goal-directed: "find NAME" -> turn toward it
)
SAFETY_KINDS = frozenset({"hazard"})

# Priorities: higher is more urgent. Safety prompts use PRIORITY_SAFETY and pre-empt the rest.
PRIORITY_INFO, PRIORITY_NORMAL, PRIORITY_HIGH, PRIORITY_SAFETY = 0, 1, 2, 3

# Haptic cues a device renders; "none" means the prompt is shown silently.
HAPTICS = ("none", "tap", "double_tap", "long")

# A glasses display shows about two short lines; longer text is refused, not cut.
MAX_TEXT_CHARS = 48
MAX_TTL_MS = 60_000


class InvalidPromptError(GlassesAgentError, ValueError):
    """A prompt record that breaks the contract (unknown kind, text too long, bad type...)."""


def make_prompt_id(kind: str, t_ns: int, ordinal: int = 0) -> str:
    """A stable id: the same evidence in the same replay always gives the same id."""
    return f"{kind}-{t_ns:x}" + (f"-{ordinal}" if ordinal else "")


@dataclass(frozen=True, slots=True)
class Prompt:
    """One prompt for the wearer, as written to --prompts-out and sent over MQTT; validated on creation."""

    id: str
    t_ns: int
    kind: str
    text: str
    priority: int = PRIORITY_NORMAL
    haptic: str = "none"
    ttl_ms: int = 5_000
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise InvalidPromptError(f"invalid prompt {self.id!r}: " + "; ".join(problems))

    @property
    def is_safety(self) -> bool:
        return self.kind in SAFETY_KINDS

    def expires_ns(self) -> int:
        return self.t_ns + self.ttl_ms * 1_000_000

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: Any) -> Prompt:
        """Parse and check a record (e.g. a JSON object from a file or the wire)."""
        if not isinstance(record, dict):
            raise InvalidPromptError(f"a prompt must be a JSON object, got {type(record).__name__}")
        names = {"id", "t_ns", "kind", "text", "priority", "haptic", "ttl_ms", "evidence"}
        missing = sorted(names - record.keys())
        if missing:
            raise InvalidPromptError(f"prompt is missing {', '.join(missing)}")
        extra = sorted(record.keys() - names)
        if extra:
            raise InvalidPromptError(f"prompt has unknown fields {', '.join(extra)}")
        return cls(**{k: record[k] for k in names})


def _problems(p: Prompt) -> list[str]:
    out = []
    if not isinstance(p.id, str) or not p.id or len(p.id) > 64:
        out.append("id must be a non-empty string of at most 64 characters")
    if not isinstance(p.t_ns, int) or isinstance(p.t_ns, bool) or p.t_ns < 0:
        out.append("t_ns must be a non-negative integer")
    if p.kind not in PROMPT_KINDS:
        out.append(f"kind {p.kind!r} is not one of {', '.join(PROMPT_KINDS)}")
    if not isinstance(p.text, str) or not p.text.strip():
        out.append("text must be a non-empty string")
    elif len(p.text) > MAX_TEXT_CHARS:
        out.append(f"text is {len(p.text)} characters; the display shows at most {MAX_TEXT_CHARS}")
    if not isinstance(p.priority, int) or isinstance(p.priority, bool) or not PRIORITY_INFO <= p.priority <= PRIORITY_SAFETY:
        out.append(f"priority must be an integer {PRIORITY_INFO}..{PRIORITY_SAFETY}")
    if p.haptic not in HAPTICS:
        out.append(f"haptic {p.haptic!r} is not one of {', '.join(HAPTICS)}")
    if not isinstance(p.ttl_ms, int) or isinstance(p.ttl_ms, bool) or not 0 < p.ttl_ms <= MAX_TTL_MS:
        out.append(f"ttl_ms must be an integer 1..{MAX_TTL_MS}")
    if not isinstance(p.evidence, dict):
        out.append("evidence must be an object")
    elif any(isinstance(v, float) and not math.isfinite(v) for v in p.evidence.values()):
        out.append("evidence values must be finite")
    return out
