"""One object slot's record (Kalman state, extent, appearance and its spread, how reliably it has
been seen) and the surprise event a slot raises; the tracker that keeps them is slots.py."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from glasses_agent.world_model.foreground import exact_median

TRUST_HITS = 6  # sightings before a slot's absence or change can surprise
TRUST_HIT_RATIO = 5  # ... and at least this many sightings a miss (a thing found one tick in four is not followed well enough)
RIGID_WINDOW = 12  # sightings its size must have held steady over (people and hands change shape; things do not)
RIGID_SPREAD = 0.15  # ... within this fraction of its median area (median absolute deviation)
CROWD_CLEAR_S = 1.5  # seconds since another blob was that near before it may vanish or jump


@dataclass
class SlotEvent:
    """One slot's surprise on one tick."""

    reason: str  # vanish | jump | change | appear
    slot: int
    z: float
    where: tuple[float, float]  # fractions of the view
    clock: int  # 1..12, seen from the wearer (12 straight ahead and up, 3 to the right)

    def as_dict(self) -> dict:
        return {"reason": self.reason, "slot": self.slot, "z": round(self.z, 3),
                "where": [round(self.where[0], 4), round(self.where[1], 4)], "clock": self.clock}


@dataclass
class Slot:
    """One entity: Kalman state (x, y, vx, vy in work px of the current view), extent and appearance."""

    id: int
    x: np.ndarray  # (4,)
    p: np.ndarray  # (4, 4)
    size: tuple[float, float]  # box width, height (work px)
    area: float  # typical whole area (median of recent whole sightings)
    appearance: np.ndarray
    first_seen: float
    last_seen: float
    born_in_open: bool
    hits: int = 1
    misses_total: int = 0
    misses: int = 0  # consecutive
    state: str = "visible"  # visible | occluded | out_of_view
    hidden_since: float = 0.0
    areas: list = field(default_factory=list)
    app_mean_d: float = 0.0  # running mean and variance of its appearance distance (the spread)
    app_var_d: float = 0.0
    app_n: int = 0
    change_recent: list = field(default_factory=list)
    contrast: float = 0.0
    last_whole: bool = True
    run: int = 1  # sightings in a row since it was last missed or hidden
    last_ratio: float = 1.0  # its last sighting's area over its typical area (0: at the border)
    announced: bool = False
    box: tuple[int, int, int, int] = (0, 0, 0, 0)
    crowded_at: float = -1e9  # when another blob was last near enough to merge with it or split from it
    now: float = 0.0  # the tracker's clock at its last step

    @property
    def pos(self) -> tuple[float, float]:
        return float(self.x[0]), float(self.x[1])

    @property
    def speed(self) -> float:
        return float(math.hypot(self.x[2], self.x[3]))

    @property
    def rigid(self) -> bool:
        if len(self.areas) < 4:
            return False
        a = np.asarray(self.areas[-RIGID_WINDOW:], np.float64)
        mid = float(exact_median(a))
        return float(exact_median(np.abs(a - mid))) <= RIGID_SPREAD * mid

    @property
    def trusted(self) -> bool:
        """Seen often and reliably (misses before the present run), rigid, standing out and moving: only
        then is its absence news."""
        return (self.hits >= TRUST_HITS and self.hits >= TRUST_HIT_RATIO * (self.misses_total - self.misses) and self.contrast >= 1.3
                and self.speed >= 3.0 and self.rigid)

    @property
    def alone(self) -> bool:
        """No other blob came near it lately: a blob that merges with another and splits from it again
        (people in a crowd) says nothing about either thing's absence or place."""
        return self.now - self.crowded_at >= CROWD_CLEAR_S

    def predicted_box(self) -> tuple[float, float, float, float]:
        w, h = self.size
        return (self.x[0] - w / 2, self.x[1] - h / 2, self.x[0] + w / 2, self.x[1] + h / 2)


def clock_position(x: float, y: float) -> int:
    """A point of the view (fractions) as a clock hour around its centre: 12 up, 3 right."""
    angle = math.degrees(math.atan2(x - 0.5, 0.5 - y)) % 360
    hour = round(angle / 30) % 12
    return 12 if hour == 0 else hour


def iou(a: tuple, b: tuple) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
