"""The scene model: objects and occluders in a world seen by a camera on a turning head.

Everything is a pure function of (scene, t): `render.render(scene, t)` draws the frame at time t
and says exactly which pixels belong to which object, so ground truth agrees with the pixels by
construction. Scripts (IntPhys-style pairs, a hazard that approaches) build a `Scene` by hand,
change one object (e.g. `dataclasses.replace(obj, vanish_s=2.0)`) and render both versions;
the background, sensor noise and head motion stay identical because they depend only on
the scene's seed and t.

Coordinates: world pixels, x to the right, y down. At head yaw 0 the view shows world
[0, width) x [0, height). Turning the head left (positive yaw) shifts the whole view right by
yaw * px_per_rad, so objects, occluders and background all move together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

SHAPES = ("circle", "square", "triangle")

# Saturated colours that stand out from the muted background and from each other.
PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 180, 60),
    "blue": (50, 80, 230),
    "yellow": (235, 215, 40),
    "magenta": (205, 60, 205),
    "cyan": (40, 205, 215),
    "orange": (245, 140, 30),
    "white": (240, 240, 240),
}

OCCLUDER_LABEL_BASE = 1000  # labels: 0 background, object ids 1..999, occluder k -> 1000 + k

# Visibility states, from the label map (see `render.ObjectState.state`).
ABSENT, OUT_OF_VIEW, OCCLUDED, VISIBLE = "absent", "out_of_view", "occluded", "visible"


@dataclass(frozen=True)
class SceneObject:
    """One object. Motion is, by priority: `path` keyframes (t, x, y), piecewise linear and
    held after the last; else `position` + `velocity` * t, reflected inside `bounds` (x0, y0, x1, y1
    for the centre) when given. `size` is the half-extent (radius) in pixels at t=0. Two ways to
    come at the wearer (looming), from `grow_from_s` up to `max_size`: with `contact_s`, at a
    steady speed that would reach the wearer then (the image size is inversely proportional to the
    distance: it grows as 1 / (contact_s - t), and the time to contact is contact_s - t); else
    with `growth`, speeding up so that the size multiplies by exp(`growth` * dt) (a time to
    contact of 1 / growth throughout). Nearer objects (smaller `depth`) hide farther ones.
    """

    id: int
    shape: str
    color: tuple[int, int, int]
    position: tuple[float, float]
    velocity: tuple[float, float] = (0.0, 0.0)
    size: float = 8.0
    depth: float = 1.0
    appear_s: float = 0.0
    vanish_s: float | None = None
    bounds: tuple[float, float, float, float] | None = None
    path: tuple[tuple[float, float, float], ...] = ()
    growth: float = 0.0
    grow_from_s: float = 0.0
    max_size: float = math.inf
    color_name: str = ""
    contact_s: float | None = None

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"unknown shape {self.shape!r}; expected one of {SHAPES}")
        if not 1 <= self.id < OCCLUDER_LABEL_BASE:
            raise ValueError(f"object id must be in 1..{OCCLUDER_LABEL_BASE - 1}, got {self.id}")
        if self.contact_s is not None and (not math.isfinite(self.max_size) or self.contact_s <= self.grow_from_s):
            raise ValueError("a steady approach needs a finite max_size and contact_s after grow_from_s")

    def exists_at(self, t: float) -> bool:
        return t >= self.appear_s and (self.vanish_s is None or t < self.vanish_s)

    def approaching_at(self, t: float) -> bool:
        coming = self.growth > 0 or self.contact_s is not None
        return coming and t >= self.grow_from_s and self.size_at(t) < self.max_size

    def size_at(self, t: float) -> float:
        if t <= self.grow_from_s:
            return self.size
        if self.contact_s is not None:
            if t >= self.contact_s:
                return self.max_size
            return min(self.max_size, self.size * (self.contact_s - self.grow_from_s) / (self.contact_s - t))
        if self.growth == 0.0:
            return self.size
        return min(self.max_size, self.size * math.exp(self.growth * (t - self.grow_from_s)))

    def tau_at(self, t: float) -> float:
        """Time to contact (s) at `t` from the script itself: contact_s - t for a steady approach,
        1 / growth for a speeding one; inf while it does not approach."""
        if not self.approaching_at(t):
            return math.inf
        return self.contact_s - t if self.contact_s is not None else 1.0 / self.growth

    def position_at(self, t: float) -> tuple[float, float]:
        if self.path:
            return _along_path(self.path, t)
        if self.bounds is None:
            return (self.position[0] + self.velocity[0] * t, self.position[1] + self.velocity[1] * t)
        x0, y0, x1, y1 = self.bounds
        return (_bounce(self.position[0], self.velocity[0], t, x0, x1)[0],
                _bounce(self.position[1], self.velocity[1], t, y0, y1)[0])

    def velocity_at(self, t: float) -> tuple[float, float]:
        """World velocity in px/s (the sign flips at each bounce)."""
        if self.path:
            dt = 1e-3
            (xa, ya), (xb, yb) = _along_path(self.path, t), _along_path(self.path, t + dt)
            return ((xb - xa) / dt, (yb - ya) / dt)
        if self.bounds is None:
            return self.velocity
        x0, y0, x1, y1 = self.bounds
        return (_bounce(self.position[0], self.velocity[0], t, x0, x1)[1],
                _bounce(self.position[1], self.velocity[1], t, y0, y1)[1])


@dataclass(frozen=True)
class Occluder:
    """A static opaque bar (world pixels, half-open box) drawn at `depth`."""

    box: tuple[float, float, float, float]
    color: tuple[int, int, int] = (70, 58, 48)
    depth: float = 0.8


@dataclass(frozen=True)
class HeadMotion:
    """Head yaw (rad, positive = turning left) as a sine that starts at 0, plus walking.

    Walking adds the ~2 Hz vertical bounce and small pitch/roll sway that the IMU feels; the bounce
    is about a centimetre, under a pixel at these resolutions, so only yaw moves the view.
    """

    yaw_amplitude_rad: float = 0.0
    yaw_period_s: float = 8.0
    yaw_phase: float = 0.0
    walking: bool = False
    step_hz: float = 2.0
    bounce_mps2: float = 1.5

    def yaw_at(self, t: float) -> float:
        w = 2 * math.pi / self.yaw_period_s
        return self.yaw_amplitude_rad * (math.sin(w * t + self.yaw_phase) - math.sin(self.yaw_phase))

    def yaw_rate_at(self, t: float) -> float:
        w = 2 * math.pi / self.yaw_period_s
        return self.yaw_amplitude_rad * w * math.cos(w * t + self.yaw_phase)


@dataclass(frozen=True)
class SoundEvent:
    """A sound in the scene: "tone" (constant pitch), "chirp" (pitch glides freq -> freq_end) or
    "noise" (a burst). `envelope` "flat" fades in/out quickly; "rise" grows from quiet to loud,
    as an approaching source does. `object_id` ties it to an object (0: none)."""

    start_s: float
    duration_s: float
    kind: str = "tone"
    freq: float = 440.0
    freq_end: float = 440.0
    amplitude: float = 0.3
    envelope: str = "flat"
    object_id: int = 0
    cause: str = ""  # e.g. "object_enters", "approaching": why a scorer should expect it


@dataclass(frozen=True, eq=False)
class Scene:
    """Everything needed to render any instant. `background` is a horizontally periodic texture
    (height x tile width x 3) so any head yaw has something to show."""

    width: int
    height: int
    seed: int
    background: np.ndarray = field(repr=False)
    objects: tuple[SceneObject, ...] = ()
    occluders: tuple[Occluder, ...] = ()
    sounds: tuple[SoundEvent, ...] = ()
    head: HeadMotion = HeadMotion()
    fov_rad: float = math.radians(60)
    sensor_noise: float = 3.0  # std of per-frame pixel noise, in grey levels
    audio_noise: float = 0.01  # std of the background hiss, as a fraction of full scale

    def __post_init__(self) -> None:
        ids = [obj.id for obj in self.objects]
        if len(set(ids)) != len(ids):
            raise ValueError(f"object ids must be unique, got {ids}")
        if self.background.ndim != 3 or self.background.shape[0] != self.height or self.background.shape[2] != 3:
            raise ValueError(f"background must be {self.height} x W x 3, got {self.background.shape}")

    @property
    def px_per_rad(self) -> float:
        return self.width / self.fov_rad

    def pan_px(self, t: float) -> float:
        """How far the view content is shifted right at t by head yaw."""
        return self.head.yaw_at(t) * self.px_per_rad

    def object(self, object_id: int) -> SceneObject:
        for obj in self.objects:
            if obj.id == object_id:
                return obj
        raise KeyError(object_id)


# -- motion helpers --------------------------------------------------------------------------


def _bounce(p0: float, v: float, t: float, lo: float, hi: float) -> tuple[float, float]:
    """Position and velocity of a point moving at v inside [lo, hi], reflecting at the ends.

    Closed form (a triangle wave), so any t is O(1) and frames can be rendered out of order.
    A start outside the interval moves straight on: it has not entered the box yet.
    """
    span = hi - lo
    if span <= 0 or not lo <= p0 <= hi:
        return p0 + v * t, v
    u = (p0 - lo + v * t) % (2 * span)
    return (lo + u, v) if u <= span else (lo + 2 * span - u, -v)


def _along_path(path: tuple[tuple[float, float, float], ...], t: float) -> tuple[float, float]:
    if t <= path[0][0]:
        return path[0][1], path[0][2]
    for (ta, xa, ya), (tb, xb, yb) in zip(path, path[1:]):
        if t <= tb:
            a = (t - ta) / (tb - ta) if tb > ta else 1.0
            return xa + a * (xb - xa), ya + a * (yb - ya)
    return path[-1][1], path[-1][2]
