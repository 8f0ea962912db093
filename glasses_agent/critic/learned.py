"""The learned critic: how helpful is a kind of prompt in a context, learned from feedback.

One online logistic regression per (kind, context) pair, on a single bias feature: the model's
probability that a prompt of that kind helps in that context, starting from a prior that trusts
the policies (PRIOR_HELPFUL). "helpful" feedback pushes it up, "dismissed" down, one SGD step
each. Pairs are independent, so dismissing people-counts while walking never mutes them at a
table. Parameters are a small JSON dict kept in the wearer's memory (`save_params`), so they
survive a restart. Safety kinds are never scored here: the critic skips them before asking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

PRIOR_HELPFUL = 0.7
LEARNING_RATE = 1.0
MIN_FEEDBACK = 3  # never suppress on fewer answers than this
PARAMS_KEY = "critic.learned.v1"
LABELS = {"helpful": 1.0, "dismissed": 0.0}


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


@dataclass
class LearnedCritic:
    """How helpful each prompt kind is in each context, learned from the wearer's helpful/dismissed
    feedback (a logistic offset per kind and context); persisted as params."""

    weights: dict[str, float] = field(default_factory=dict)  # "kind|context" -> logit offset
    counts: dict[str, int] = field(default_factory=dict)
    prior: float = PRIOR_HELPFUL

    @staticmethod
    def key(kind: str, context: str) -> str:
        return f"{kind}|{context}"

    def p_helpful(self, kind: str, context: str) -> float:
        return _sigmoid(_logit(self.prior) + self.weights.get(self.key(kind, context), 0.0))

    def feedback_count(self, kind: str, context: str) -> int:
        return self.counts.get(self.key(kind, context), 0)

    def update(self, kind: str, context: str, label: str) -> float:
        """One SGD step of the log-loss on this pair; returns the new probability."""
        y = LABELS[label]
        key = self.key(kind, context)
        p = self.p_helpful(kind, context)
        w = self.weights.get(key, 0.0) + LEARNING_RATE * (y - p)
        self.weights[key] = max(-8.0, min(8.0, w))  # bounded, so a long streak can still be undone
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.p_helpful(kind, context)

    def to_params(self) -> dict[str, Any]:
        return {
            "prior": self.prior,
            "weights": {k: round(v, 6) for k, v in sorted(self.weights.items())},
            "counts": dict(sorted(self.counts.items())),
        }

    @classmethod
    def from_params(cls, params: dict[str, Any] | None) -> LearnedCritic:
        if not params:
            return cls()
        return cls(
            weights={str(k): float(v) for k, v in params.get("weights", {}).items()},
            counts={str(k): int(v) for k, v in params.get("counts", {}).items()},
            prior=float(params.get("prior", PRIOR_HELPFUL)),
        )
