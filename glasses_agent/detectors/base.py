"""What the cheap classical detectors found on one tick, in one record the actor reads.

Positions are fractions of the view (0..1). Detectors run every few ticks on reduced frames;
between runs the last record stands (with its own `t_ns`), so the actor always has one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


def robust_line(t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Theil-Sen slope (the median of pairwise slopes over pairs at least 0.15 s apart) and the
    median absolute residual: one box that caught a neighbour's edge, or one merged tick, moves
    neither. The looming cues fit log size against time with it."""
    i, j = np.triu_indices(len(t), k=1)
    dt = t[j] - t[i]
    keep = dt > 0.15
    if not keep.any():
        return 0.0, 1.0
    slope = float(np.median((y[j] - y[i])[keep] / dt[keep]))
    intercept = float(np.median(y - slope * t))
    return slope, float(np.median(np.abs(y - slope * t - intercept)))


@dataclass(frozen=True)
class Looming:
    """Something growing toward the wearer: how strongly, where in view, how fast it grows."""

    score: float  # 0..1: how strongly something grows toward the wearer
    box: tuple[float, float, float, float]  # (x, y, w, h) of the looming region
    growth_per_s: float  # relative growth of its size per second

    @property
    def center(self) -> tuple[float, float]:
        x, y, w, h = self.box
        return x + w / 2, y + h / 2


@dataclass(frozen=True)
class Detections:
    """What the classical detectors found on one tick; slow detectors not run this tick carry their last
    value (`fresh` names those that ran)."""

    t_ns: int
    luma: float | None = None  # mean brightness 0..1 of the newest frame
    qr: tuple[tuple[str, float], ...] = ()  # decoded QR texts with their x in view
    people: int | None = None  # faces (or people) counted; never who
    people_x: tuple[float, ...] = ()
    speech: float | None = None  # voice-activity probability over the last audio
    looming: Looming | None = None
    fresh: frozenset[str] = frozenset()  # the slow detectors that ran this tick; the rest carried over
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "t_ns": self.t_ns,
            "luma": None if self.luma is None else round(self.luma, 4),
            "qr": [[t, round(x, 3)] for t, x in self.qr],
            "people": self.people,
            "speech": None if self.speech is None else round(self.speech, 3),
            "looming": None if self.looming is None else {
                "score": round(self.looming.score, 3),
                "box": [round(v, 3) for v in self.looming.box],
                "growth_per_s": round(self.looming.growth_per_s, 3),
            },
        }
