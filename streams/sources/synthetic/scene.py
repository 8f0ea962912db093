"""The scene model: objects and occluders in a world seen by a camera on a turning head.

Everything is a pure function of (scene, t): `render(scene, t)` draws the frame at time t and
says exactly which pixels belong to which object, so ground truth agrees with the pixels by
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

# Visibility states, from the label map (see `ObjectState.state`).
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


@dataclass(frozen=True)
class ObjectState:
    """One object at one instant, in image coordinates (boxes are [x0, y0, x1) x [y0, y1))."""

    id: int
    center: tuple[float, float]
    size: float
    velocity: tuple[float, float]  # world px/s: the object's own motion
    image_velocity: tuple[float, float]  # px/s in the image, including the head's pan
    bbox: tuple[int, int, int, int] | None  # the whole shape clipped to the view; None when outside
    visible_bbox: tuple[int, int, int, int] | None  # the pixels that show it in this frame
    total_px: int
    in_view_px: int
    visible_px: int
    approaching: bool
    state: str  # absent | out_of_view | occluded | visible

    @property
    def visible(self) -> bool:
        return self.state == VISIBLE

    @property
    def visible_fraction(self) -> float:
        return self.visible_px / self.total_px if self.total_px else 0.0


@dataclass(frozen=True, eq=False)
class Rendered:
    """One rendered frame of a generated scene: the image, its per-pixel labels, and each object's state."""

    image: np.ndarray  # H x W x 3 uint8 RGB
    labels: np.ndarray  # H x W int16: 0 background, object id, or OCCLUDER_LABEL_BASE + k
    objects: tuple[ObjectState, ...]


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


# -- drawing ---------------------------------------------------------------------------------


def make_background(rng: np.random.Generator, width: int, height: int, tile_factor: int = 3) -> np.ndarray:
    """A muted, blotchy texture, periodic in x over `tile_factor` view widths.

    Smooth blobs (bilinear upsampling of coarse noise, wrapping in x) plus fine grain: enough
    texture that a pixel-predicting model has something unpredictable to waste itself on.
    """
    tile_w = width * tile_factor
    cell = max(4, min(width, height) // 8)
    gw, gh = -(-tile_w // cell), -(-height // cell) + 1
    # Mostly brightness, a little tint: the shapes' saturated colours never occur in the background.
    coarse = rng.normal(0.0, 1.0, size=(gh, gw, 1)) + 0.35 * rng.normal(0.0, 1.0, size=(gh, gw, 3))
    ys = (np.arange(height) + 0.5) / cell
    xs = (np.arange(tile_w) + 0.5) * gw / tile_w  # exactly gw cells across the tile, so it wraps
    y0 = np.floor(ys).astype(int)
    x0 = np.floor(xs).astype(int)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    y1 = np.minimum(y0 + 1, gh - 1)
    x0w, x1w = x0 % gw, (x0 + 1) % gw  # wrap so the tile is periodic
    top = coarse[y0][:, x0w] * (1 - fx) + coarse[y0][:, x1w] * fx
    bottom = coarse[y1][:, x0w] * (1 - fx) + coarse[y1][:, x1w] * fx
    blobs = top * (1 - fy) + bottom * fy
    # A lighter wall above a darker floor gives the view a horizon.
    vertical = np.where(np.arange(height) < height * 0.45, 18.0, -12.0)[:, None, None]
    base = np.array([118.0, 112.0, 100.0])
    grain = rng.normal(0.0, 6.0, size=(height, tile_w, 1))
    texture = base + vertical + 14.0 * blobs + grain
    return np.clip(np.rint(texture), 0, 255).astype(np.uint8)


def _shape_mask(shape: str, cx: float, cy: float, r: float, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Which pixel centres (xs, ys broadcast) lie inside the shape."""
    dx, dy = xs + 0.5 - cx, ys + 0.5 - cy
    if shape == "circle":
        return dx * dx + dy * dy <= r * r
    if shape == "square":
        return (np.abs(dx) <= r) & (np.abs(dy) <= r)
    # An upright triangle: apex at the top, base at the bottom of the r-box.
    return (dy <= r) & (np.abs(dx) <= (dy + r) / 2)


def _box_of(mask: np.ndarray, x_off: int, y_off: int) -> tuple[int, int, int, int] | None:
    rows, cols = np.any(mask, axis=1), np.any(mask, axis=0)
    if not rows.any():
        return None
    y_idx, x_idx = np.flatnonzero(rows), np.flatnonzero(cols)
    return (x_off + int(x_idx[0]), y_off + int(y_idx[0]), x_off + int(x_idx[-1]) + 1, y_off + int(y_idx[-1]) + 1)


def frame_noise_rng(scene: Scene, t: float) -> np.random.Generator:
    """Sensor noise keyed by (seed, t in microseconds): the same instant always gets the same noise."""
    return np.random.default_rng([scene.seed, 1, int(round(t * 1e6))])


def render(scene: Scene, t: float, *, noise: bool = True) -> Rendered:
    """The frame at time t, its label map, and every object's state."""
    w, h = scene.width, scene.height
    pan = scene.pan_px(t)
    tile_w = scene.background.shape[1]
    cols = (np.arange(w) - int(round(pan))) % tile_w  # the background moves with the head
    image = scene.background[:, cols].astype(np.int16)
    labels = np.zeros((h, w), np.int16)

    # Painter's order: far to near; occluders before objects at equal depth so a tie shows objects.
    layers: list[tuple[float, int, int, object]] = [(-occ.depth, 0, k, occ) for k, occ in enumerate(scene.occluders)]
    layers += [(-obj.depth, 1, obj.id, obj) for obj in scene.objects if obj.exists_at(t)]
    layers.sort(key=lambda layer: layer[:3])

    geometry: dict[int, tuple[float, float, float, int, int, tuple | None]] = {}
    for _, kind, key, item in layers:
        if kind == 0:
            occ: Occluder = item  # type: ignore[assignment]
            x0, y0, x1, y1 = occ.box
            xa, xb = max(0, int(round(x0 + pan))), min(w, int(round(x1 + pan)))
            ya, yb = max(0, int(round(y0))), min(h, int(round(y1)))
            if xa < xb and ya < yb:
                # Faint vertical stripes: an occluder with texture, not a flat hole in the picture.
                stripes = np.where((np.arange(xa, xb) - int(round(pan))) % 6 < 3, 8, -8)
                image[ya:yb, xa:xb] = np.asarray(occ.color, np.int16) + stripes[None, :, None]
                labels[ya:yb, xa:xb] = OCCLUDER_LABEL_BASE + key
            continue
        obj: SceneObject = item  # type: ignore[assignment]
        wx, wy = obj.position_at(t)
        cx, cy, r = wx + pan, wy, obj.size_at(t)
        # Whole-shape mask over its own (unclipped) box: counts the pixels it would cover.
        bx0, by0 = int(math.floor(cx - r)), int(math.floor(cy - r))
        bx1, by1 = int(math.ceil(cx + r)) + 1, int(math.ceil(cy + r)) + 1
        mask = _shape_mask(obj.shape, cx, cy, r, np.arange(bx0, bx1)[None, :], np.arange(by0, by1)[:, None])
        total = int(mask.sum())
        ca, cb, ra, rb = max(bx0, 0), min(bx1, w), max(by0, 0), min(by1, h)
        in_view = 0
        bbox = None
        if ca < cb and ra < rb:
            clipped = mask[ra - by0:rb - by0, ca - bx0:cb - bx0]
            in_view = int(clipped.sum())
            bbox = _box_of(clipped, ca, ra)
            region = image[ra:rb, ca:cb]
            region[clipped] = obj.color
            labels[ra:rb, ca:cb][clipped] = obj.id
        geometry[obj.id] = (cx, cy, r, total, in_view, bbox)

    states = []
    for obj in scene.objects:
        states.append(_state_of(scene, obj, t, labels, geometry.get(obj.id)))

    if noise and scene.sensor_noise > 0:
        image += np.rint(frame_noise_rng(scene, t).normal(0.0, scene.sensor_noise, size=(h, w, 1))).astype(np.int16)
    return Rendered(image=np.clip(image, 0, 255).astype(np.uint8), labels=labels, objects=tuple(states))


def _state_of(scene: Scene, obj: SceneObject, t: float, labels: np.ndarray, geom: tuple | None) -> ObjectState:
    vx, vy = obj.velocity_at(t)
    pan_rate = scene.head.yaw_rate_at(t) * scene.px_per_rad
    if geom is None:  # not in the scene at t
        wx, wy = obj.position_at(t)
        return ObjectState(obj.id, (wx + scene.pan_px(t), wy), obj.size_at(t), (vx, vy), (vx + pan_rate, vy),
                           None, None, 0, 0, 0, False, ABSENT)
    cx, cy, r, total, in_view, bbox = geom
    visible_px, visible_bbox = 0, None
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        own = labels[y0:y1, x0:x1] == obj.id
        visible_px = int(own.sum())
        visible_bbox = _box_of(own, x0, y0)
    # Mostly outside the view: out of view. Inside but mostly hidden: occluded.
    if in_view < 0.25 * total or in_view == 0:
        state = OUT_OF_VIEW
    elif visible_px < 0.5 * in_view:
        state = OCCLUDED
    else:
        state = VISIBLE
    return ObjectState(obj.id, (cx, cy), r, (vx, vy), (vx + pan_rate, vy), bbox, visible_bbox,
                       total, in_view, visible_px, obj.approaching_at(t), state)


def render_frame(scene: Scene, t: float, *, noise: bool = True) -> np.ndarray:
    """Just the image at time t (H x W x 3 uint8 RGB)."""
    return render(scene, t, noise=noise).image
