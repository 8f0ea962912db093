"""Drawing a scene: the frame at time t, its per-pixel labels, and each object's state read off them.

A pure function of (scene, t), like the scene itself (see scene.py): the background moves with the
head, occluders and objects are painted far to near, and an object's visibility is counted from the
label map it was painted into, so ground truth agrees with the pixels by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from streams.sources.synthetic.scene import (
    ABSENT,
    OCCLUDED,
    OCCLUDER_LABEL_BASE,
    OUT_OF_VIEW,
    VISIBLE,
    Occluder,
    Scene,
    SceneObject,
)


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
