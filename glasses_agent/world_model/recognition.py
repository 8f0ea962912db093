"""Enrolled things: prototypes in latent space, recognised by the nearest one above a threshold.

An object's descriptor is the perception model's video tokens pooled over its box (position
kept by pooling only the cells it covers), beside a small hue/saturation histogram of the same
box from the frame: the latent says what it is like, the colours keep two similar shapes apart
when the latent grid (6x6 over the view) is coarse. The colour half weighs more (see
LATENT_WEIGHT): measured here, the same small thing on another background kept its colours
(cosine 0.95) but not its pooled latent (0.35).

The threshold is set at enrollment: the prototype is compared with every other window of the
enrollment frame, and a later match must beat the best of those by a margin. A thing never
enrolled then has to look more like the prototype than the enrolled thing's own surroundings did.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from glasses_agent.context import Percept
from glasses_agent.errors import GlassesAgentError

HIST_BINS = (12, 4)  # hue x saturation
MIN_THRESHOLD = 0.75
MARGIN = 0.05
LATENT_WEIGHT = 0.3  # of the descriptor's length; the colour half has the rest
SOUND_THRESHOLD = 0.9


class EnrollmentError(GlassesAgentError):
    """An enrollment that cannot be done: a bad box, a face inside it, no frame or no sound."""


Box = tuple[float, float, float, float]


def check_box(box: Box) -> Box:
    try:
        x, y, w, h = (float(v) for v in box)
    except (TypeError, ValueError):
        raise EnrollmentError(f"a box is X,Y,W,H as fractions of the view, got {box!r}") from None
    if not all(math.isfinite(v) for v in (x, y, w, h)) or w <= 0 or h <= 0 or x < 0 or y < 0 \
            or x + w > 1.0001 or y + h > 1.0001:
        raise EnrollmentError(f"box {box!r} must lie inside the view: X,Y,W,H as fractions 0..1 with W,H > 0")
    return (x, y, min(w, 1 - x), min(h, 1 - y))


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-9 else v


def colour_histogram(image: np.ndarray, box: Box) -> np.ndarray:
    h, w = image.shape[:2]
    x, y, bw, bh = box
    x0, y0 = int(x * w), int(y * h)
    x1, y1 = max(x0 + 1, int(round((x + bw) * w))), max(y0 + 1, int(round((y + bh) * h)))
    crop = np.ascontiguousarray(image[y0:y1, x0:x1])
    hsv = cv2.cvtColor(crop, cv2.COLOR_RGB2HSV)
    # The thing, not its surroundings: pixels unlike the box's rim (where the background shows),
    # so the same thing on another table still matches.
    mask = None
    if crop.shape[0] >= 4 and crop.shape[1] >= 4:
        rim = np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]]).astype(np.float32)
        far = np.sqrt(((crop.astype(np.float32) - np.median(rim, axis=0)) ** 2).sum(-1)) > 40
        if far.sum() >= 0.05 * far.size:
            mask = far.astype(np.uint8)
    hist = cv2.calcHist([hsv], [0, 1], mask, list(HIST_BINS), [0, 180, 0, 256]).reshape(-1)
    return np.sqrt(hist / max(1.0, hist.sum()))  # Hellinger: cosine of these is the Bhattacharyya overlap


def pooled_latent(grid: np.ndarray, box: Box) -> np.ndarray:
    """Mean of the (H, W, D) latent cells weighted by how much of each the box covers."""
    gh, gw, _ = grid.shape
    x, y, w, h = box
    xs = np.clip(np.minimum((np.arange(gw) + 1) / gw, x + w) - np.maximum(np.arange(gw) / gw, x), 0, None) * gw
    ys = np.clip(np.minimum((np.arange(gh) + 1) / gh, y + h) - np.maximum(np.arange(gh) / gh, y), 0, None) * gh
    weights = ys[:, None] * xs[None, :]
    if weights.sum() <= 0:
        return np.zeros(grid.shape[-1], np.float32)
    return (grid * weights[..., None]).sum((0, 1)) / weights.sum()


def latent_grid(percept: Percept | None) -> np.ndarray | None:
    """The newest time slice of the video tokens, layer-normed per cell: (H, W, D)."""
    if percept is None or not percept.has_video or percept.video_tokens.size == 0:
        return None
    grid = percept.video_tokens[-1].astype(np.float32)
    grid = grid - grid.mean(-1, keepdims=True)
    return grid / (grid.std(-1, keepdims=True) + 1e-5)


def object_descriptor(image: np.ndarray, grid: np.ndarray | None, box: Box) -> np.ndarray:
    colours = _unit(colour_histogram(image, box))
    if grid is None:
        return colours.astype(np.float32)
    # Colour weighs more: a small thing covers less than one latent cell (8 px of a 48 px view),
    # so the pooled latent mostly describes its surroundings and changes with the table it is on.
    return np.concatenate([LATENT_WEIGHT * _unit(pooled_latent(grid, box)),
                           math.sqrt(1 - LATENT_WEIGHT ** 2) * colours]).astype(np.float32)


def windows(box_w: float, box_h: float, step: float = 0.5) -> list[Box]:
    """Windows of the enrolled size sliding over the view by `step` of their size."""
    w, h = min(1.0, box_w), min(1.0, box_h)
    xs = np.arange(0.0, 1.0 - w + 1e-6, max(0.02, w * step))
    ys = np.arange(0.0, 1.0 - h + 1e-6, max(0.02, h * step))
    return [(float(x), float(y), w, h) for y in ys for x in xs]


def _overlap(a: Box, b: Box) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    return iw * ih / max(1e-9, min(aw * ah, bw * bh))


@dataclass(frozen=True)
class Prototype:
    """An enrolled thing or sound: its name, modality, descriptor vector and recognition threshold."""

    name: str
    modality: str
    vector: np.ndarray
    threshold: float
    size: tuple[float, float]  # the enrolled box's (w, h), for the sliding windows


def calibrate(image: np.ndarray, grid: np.ndarray | None, box: Box, vector: np.ndarray) -> float:
    """The threshold: the best look-alike elsewhere in the enrollment frame plus a margin."""
    others = [b for b in windows(box[2], box[3]) if _overlap(b, box) == 0.0]
    best = max((float(vector @ object_descriptor(image, grid, b)) for b in others), default=0.0)
    return float(min(0.9, max(MIN_THRESHOLD, best + MARGIN)))


def find(prototype: Prototype, image: np.ndarray, grid: np.ndarray | None,
         candidates: list[Box] = ()) -> tuple[float, Box] | None:
    """The best window (and tracked boxes given as candidates) if it passes the threshold."""
    best: tuple[float, Box] | None = None
    w, h = prototype.size
    # Tracked things, framed as the enrolled box was (its size, centred on them), then a sweep.
    framed = [(min(max(0.0, x + bw / 2 - w / 2), 1 - w), min(max(0.0, y + bh / 2 - h / 2), 1 - h), w, h)
              for x, y, bw, bh in candidates]
    for box in framed + windows(w, h, step=0.25):
        descriptor = object_descriptor(image, grid, box)
        if descriptor.shape != prototype.vector.shape:
            continue
        score = float(descriptor @ prototype.vector)
        if best is None or score > best[0]:
            best = (score, box)
    if best is None or best[0] < prototype.threshold:
        return None
    return best[0], _recentre(image, best[1])


def _recentre(image: np.ndarray, box: Box) -> Box:
    """The box moved onto the thing inside it (its pixels unlike the rim), for the right place."""
    h, w = image.shape[:2]
    x, y, bw, bh = box
    x0, y0 = int(x * w), int(y * h)
    crop = image[y0:max(y0 + 1, int(round((y + bh) * h))), x0:max(x0 + 1, int(round((x + bw) * w)))].astype(np.float32)
    if crop.shape[0] < 4 or crop.shape[1] < 4:
        return box
    rim = np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]])
    far = np.sqrt(((crop - np.median(rim, axis=0)) ** 2).sum(-1)) > 40
    if far.sum() < 0.05 * far.size:
        return box
    ys, xs = np.nonzero(far)
    cx, cy = (x0 + xs.mean() + 0.5) / w, (y0 + ys.mean() + 0.5) / h
    return (min(max(0.0, cx - bw / 2), 1 - bw), min(max(0.0, cy - bh / 2), 1 - bh), bw, bh)


def sound_descriptor(percepts: list[Percept]) -> np.ndarray:
    """Mean pooled audio embedding of the percepts that heard something, unit length."""
    heard = [p.audio for p in percepts if p.has_audio]
    if not heard:
        raise EnrollmentError("no audio in the chosen span: nothing to enroll as a sound")
    return _unit(np.mean(heard, axis=0)).astype(np.float32)
