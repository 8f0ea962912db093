"""The scenario scorer: prompts against expected events, per kind.

- A prompt of kind K is a true positive when it falls in the window of an expected K event
  (from its onset, minus a small allowance, or from its `early_ns` where it has one, to its
  end); else a false positive. Repeats inside
  one event's window are fine (a hazard re-announced while it still comes).
- An expected event is recalled when at least one prompt of its kind falls in its window.
  Events marked optional (e.g. surprise where no world model runs) excuse prompts but are not
  required.
- Onset latency: ticks from the event's onset to its first prompt (mean and max).
- Direction error: clock hours (circular, 0..6) between the prompt's `evidence.clock` and the
  event's direction at that moment (mean and max), for kinds that carry one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from glasses_agent.scoring.overlays import Expected
from streams.frames import NS_PER_S

EARLY_NS = NS_PER_S // 2  # a prompt this early is still for the event (onsets are approximate)


def hour_error(a: int, b: int) -> int:
    d = abs(a - b) % 12
    return min(d, 12 - d)


@dataclass
class KindScore:
    """How one prompt kind did against the expectations: recall, precision, latency in ticks, direction
    errors."""

    kind: str
    expected: int = 0
    recalled: int = 0
    prompts: int = 0
    true_positives: int = 0
    latencies_ticks: list[float] | None = None
    direction_errors: list[int] | None = None

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.prompts if self.prompts else None

    @property
    def recall(self) -> float | None:
        return self.recalled / self.expected if self.expected else None

    def as_dict(self) -> dict[str, Any]:
        lat = self.latencies_ticks or []
        dirs = self.direction_errors or []
        return {
            "kind": self.kind,
            "expected": self.expected,
            "recalled": self.recalled,
            "prompts": self.prompts,
            "true_positives": self.true_positives,
            "precision": None if self.precision is None else round(self.precision, 3),
            "recall": None if self.recall is None else round(self.recall, 3),
            "onset_ticks_mean": round(sum(lat) / len(lat), 2) if lat else None,
            "onset_ticks_max": round(max(lat), 2) if lat else None,
            "direction_error_mean": round(sum(dirs) / len(dirs), 2) if dirs else None,
            "direction_error_max": max(dirs) if dirs else None,
        }


def score(prompts: list[dict[str, Any]], expected: list[Expected], *, tick_ns: int = NS_PER_S // 10,
          optional: list[Expected] = (), scores: dict[str, KindScore] | None = None) -> dict[str, KindScore]:
    """Score one run's prompt records; pass `scores` to accumulate several runs into one table."""
    out = scores if scores is not None else {}

    def get(kind: str) -> KindScore:
        if kind not in out:
            out[kind] = KindScore(kind, latencies_ticks=[], direction_errors=[])
        return out[kind]

    def inside(p: dict[str, Any], e: Expected) -> bool:
        start = e.onset_ns - EARLY_NS if e.early_ns is None else min(e.early_ns, e.onset_ns - EARLY_NS)
        return p["kind"] == e.kind and start <= p["t_ns"] <= e.end_ns

    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in sorted(prompts, key=lambda r: r["t_ns"]):
        by_kind[p["kind"]].append(p)
    for e in expected:
        s = get(e.kind)
        s.expected += 1
        hits = [p for p in by_kind.get(e.kind, []) if inside(p, e)]
        if hits:
            s.recalled += 1
            s.latencies_ticks.append(max(0.0, (hits[0]["t_ns"] - e.onset_ns) / tick_ns))
            want = e.clock_at(hits[0]["t_ns"])
            got = hits[0].get("evidence", {}).get("clock")
            if want is not None and got is not None:
                s.direction_errors.append(hour_error(int(got), int(want)))
    for kind, ps in by_kind.items():
        s = get(kind)
        for p in ps:
            s.prompts += 1
            if any(inside(p, e) for e in list(expected) + list(optional)):
                s.true_positives += 1
    return out


def format_table(scores: dict[str, KindScore]) -> str:
    """The scores per kind as the text table `glasses-agent scenarios` prints."""
    head = f"{'kind':<12} {'expected':>8} {'recall':>7} {'prompts':>7} {'precision':>9} {'onset(ticks) mean/max':>22} {'dir err(h) mean/max':>20}"
    lines = [head, "-" * len(head)]

    def f(v: Any, digits: int = 2) -> str:
        return "-" if v is None else (f"{v:.{digits}f}" if isinstance(v, float) else str(v))

    for kind in sorted(scores):
        d = scores[kind].as_dict()
        lines.append(
            f"{kind:<12} {d['expected']:>8} {f(d['recall']):>7} {d['prompts']:>7} {f(d['precision']):>9} "
            f"{f(d['onset_ticks_mean']) + ' / ' + f(d['onset_ticks_max']):>22} "
            f"{f(d['direction_error_mean']) + ' / ' + f(d['direction_error_max']):>20}"
        )
    return "\n".join(lines)
