"""A track: one thing the object memory follows, and what a frame of following it can report.

Why a module of its own: the record of one thing (its place, a velocity fitted to its recent whole
sightings, and the judgements made of it alone: confirmed, trusted, steady) is read by every part
of the object memory and by the identity keepers (identity.py, merged_blobs.py), while the matching
of tracks to detections frame by frame is objects.py's. Violation and ObjectStep are what that
matching reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

CONFIRM_FRAMES = 3  # a track is trusted (and can be surprising) after this many sightings
SALIENT_CONTRAST = 55.0  # tracks that stand out less (shadows, clutter, noise) never surprise
STEADY_SIGHTINGS = 5  # whole sightings a path must have before it is carried behind an occluder ...
STEADY_SPAN_S = 0.4  # ... over this long at least
STEADY_FIT = 0.2  # ... lying within this much of its radius of a straight, even-paced line (rms)
STEADY_GAP_S = 0.35  # ... with no longer gap between them
STEADY_PACE = 0.5  # ... at a pace within this share of the velocity it is carried with (the last, partial
# sightings as it goes behind something pull that velocity by a quarter on the generated pairs)
PLACE_DOUBT_ERRORS = 2.0  # standard errors of its fitted line's prediction a hidden thing may stray by


@dataclass
class Track:
    """One thing the object memory follows: its place and velocity, size, appearance, and whether it is
    visible, hidden or out of view."""

    id: int
    x: float
    y: float
    vx: float
    vy: float
    radius: float
    area: float  # the area when fully visible (work px)
    colour: np.ndarray
    fill: float
    aspect: float
    first_seen: float
    last_seen: float
    box: tuple[int, int, int, int]
    seen: int = 1
    state: str = "visible"  # visible | hidden | out_of_view
    hidden_since: float = 0.0
    occluder_colours: np.ndarray | None = None  # (M, 3): what covered it when it went hidden
    missing: int = 0
    pending_check: int = 0  # frames left to compare appearance after coming back from hiding
    last_area: float = 0.0
    approach: float = 0.0  # d log(area) / dt, smoothed
    born_in_open: bool = False
    contrast: float = 0.0
    shrinking: bool = False  # its last sighting showed less of it than a whole: going behind something
    extras: dict = field(default_factory=dict)
    path: list = field(default_factory=list)  # recent (t, x, y) of whole sightings, for velocity
    top: np.ndarray | None = None  # colour of its upper and lower halves (identity.looks_apart)
    bottom: np.ndarray | None = None

    def fit_velocity(self) -> bool:
        """Least-squares velocity over the recent whole sightings; False when too few."""
        if len(self.path) < 3 or self.path[-1][0] - self.path[0][0] < 0.15:
            return False
        t, x, y = (np.array(v, np.float64) for v in zip(*self.path))
        t = t - t.mean()
        denom = float((t * t).sum())
        self.vx = float((t * (x - x.mean())).sum() / denom)
        self.vy = float((t * (y - y.mean())).sum() / denom)
        return True

    @property
    def confirmed(self) -> bool:
        return self.seen >= CONFIRM_FRAMES

    @property
    def trusted(self) -> bool:
        """Followed long enough, moving steadily, standing out and rigid (its size steady, unlike a
        walking person's outline): only then is its absence or change a surprise."""
        areas = self.extras.get("whole_areas", [])
        middle = float(np.median(areas)) if areas else 0.0
        rigid = len(areas) >= 3 and float(np.median(np.abs(np.asarray(areas) - middle))) <= 0.08 * middle
        return (len(self.path) >= 3 and rigid and self.contrast >= SALIENT_CONTRAST
                and math.hypot(self.vx, self.vy) >= 5.0)

    @property
    def steady(self) -> bool:
        """Its recent whole sightings lie on a straight line at an even pace (within STEADY_FIT of
        its radius) over STEADY_SPAN_S at least: a thing coasting, not a hand or a walker that turns
        and stops. Only such a path can be carried behind an occluder and held to: a person's hand
        by their head, followed for three sightings, went "hidden" and then "missing" at z 28 on
        intel/one-by-one-person-detection (and walkers on vtest at z 10-17)."""
        if len(self.path) < STEADY_SIGHTINGS or self.path[-1][0] - self.path[0][0] < STEADY_SPAN_S:
            return False
        t, x, y = (np.array(v, np.float64) for v in zip(*self.path))
        if float(np.diff(t).max()) > STEADY_GAP_S:
            return False  # seen whole only now and then: its pace in between is not known
        coef, misses = _line_fit(t, x, y)
        residual = float(misses.mean(axis=0).sum())
        # And the velocity it would be carried with is the one those sightings show (a thing seen
        # whole while still, then only in part as it rushed off, has no pace to hold it to).
        pace_x, pace_y = float(coef[1, 0]), float(coef[1, 1])
        agrees = math.hypot(pace_x - self.vx, pace_y - self.vy) <= STEADY_PACE * max(math.hypot(self.vx, self.vy), 5.0)
        return agrees and math.sqrt(residual) <= STEADY_FIT * max(self.radius, 2.0)

    def predict(self, dt: float) -> tuple[float, float]:
        return self.x + self.vx * dt, self.y + self.vy * dt

    def place_doubt(self, t: float) -> float:
        """How far from its constant-velocity place the thing may be at `t` (work px): PLACE_DOUBT_ERRORS
        standard errors of where the straight, even-paced line fitted to its recent whole sightings puts
        it then. The band widens with the time since those sightings, as fast as their scatter leaves
        its pace in doubt: a hand's wobbling path (rms 1.9 px over 0.7 s) leaves it 5 px either way
        0.3 s after it went out of sight, a coasting thing's (rms 0.4 px) 1 px, a drawn one's none.
        0 where too few sightings show a line at all."""
        if len(self.path) < 3:
            return 0.0
        ts, x, y = (np.array(v, np.float64) for v in zip(*self.path))
        spread = float(((ts - ts.mean()) ** 2).sum())
        if spread <= 0.0:
            return 0.0
        _, misses = _line_fit(ts, x, y)
        scatter = float(misses.sum()) / (2 * (len(ts) - 2))  # per axis, less the two values fitted on each
        error = math.sqrt(scatter * (1.0 / len(ts) + (t - ts.mean()) ** 2 / spread))
        return PLACE_DOUBT_ERRORS * error


def _line_fit(t: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The straight, even-paced line through sightings (t, x, y), both axes in one fit: its rows start
    and pace, and each sighting's squared miss of it per axis."""
    design = np.stack([np.ones_like(t), t - t.mean()], axis=1)
    places = np.stack([x, y], axis=1)
    coef, *_ = np.linalg.lstsq(design, places, rcond=None)
    return coef, (design @ coef - places) ** 2


@dataclass(frozen=True)
class Violation:
    """What the object memory did not expect of a track (missing, teleport, changed, popup), how much and
    where."""

    kind: str  # missing | teleport | changed | popup
    magnitude: float
    where: tuple[float, float]  # fractions of the view
    track_id: int


@dataclass(frozen=True)
class ObjectStep:
    """What one frame did to the object memory."""

    violations: tuple[Violation, ...]
    error: float  # object-level prediction error this frame (violations + benign misses)
    shift: tuple[float, float]  # image shift since the previous frame (work px), head motion


def view_fraction(size: tuple[int, int], x: float, y: float) -> tuple[float, float]:
    """Where (x, y) work px lies in a view of `size` (width, height), as fractions clamped to it: a
    Violation's `where`."""
    w, h = size
    return (min(1.0, max(0.0, x / w)), min(1.0, max(0.0, y / h)))
