"""Surprise: prediction errors as z-scores against their own running statistics, and where.

A raw prediction error means little on its own: a busy street errs more every tick than an
empty room. So each error stream keeps an exponentially weighted mean and variance of its own
past and reports how many deviations above that the current error lies. The statistics are
updated after scoring (a surprise does not explain itself away) and with a floor on the
deviation, so a stream that has been flat at zero does not make the next tiny wobble huge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class RunningStats:
    """EMA mean/variance of one error stream; `z(x)` scores x, then learns it."""

    halflife: float = 50.0  # ticks
    floor: float = 0.05  # the smallest deviation believed (the stream's noise scale)
    warmup: int = 5  # ticks scored 0 while the statistics are still empty
    mean: float = 0.0
    var: float = 0.0
    count: int = 0

    @property
    def alpha(self) -> float:
        return 1.0 - 0.5 ** (1.0 / self.halflife)

    def z(self, x: float, learn: bool = True) -> float:
        if not math.isfinite(x):
            return 0.0
        if self.count < self.warmup:
            score = 0.0
        else:
            score = (x - self.mean) / max(math.sqrt(self.var), self.floor)
        if learn:
            self.update(x)
        return score

    def update(self, x: float) -> None:
        if self.count == 0:
            self.mean, self.var = x, 0.0
        else:
            # After the warm-up, learn big outliers only partly, so one violation does not
            # inflate the deviation for the next fifty ticks.
            a = self.alpha if self.count >= self.warmup else 1.0 / (self.count + 1)
            d = x - self.mean
            if self.count >= self.warmup:
                d = max(-4 * max(math.sqrt(self.var), self.floor), min(d, 4 * max(math.sqrt(self.var), self.floor)))
            self.mean += a * d
            self.var = (1 - a) * (self.var + a * d * d)
        self.count += 1

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "var": self.var, "count": self.count}


def quadrant(where: tuple[float, float] | None) -> str | None:
    """"top-left" ... "bottom-right" for a point given as fractions of the view."""
    if where is None:
        return None
    x, y = where
    return f"{'top' if y < 0.5 else 'bottom'}-{'left' if x < 0.5 else 'right'}"


def combine(z_objects: float, z_latent: float, latent_weight: float = 0.5) -> float:
    """One surprise from the object memory's and the latent dynamics' z-scores.

    The object memory's expectations (a hidden thing must come back, and as itself) are the
    sharper test; the latent dynamics catches what no track explains. The latent stream is
    down-weighted because an object coming out from behind a bar is a large latent change that
    is not surprising at all (DESIGN.md, second micro experiment).
    """
    return max(z_objects, latent_weight * z_latent)
