"""Regions of even colour in the detectors' reduced frame: what the region cue (regions.py) follows.

The frame is cut where its Lab colour gradient is steep (chroma weighted up: a dark thing on dark
foliage differs mostly in hue); the 4-connected even patches wholly inside the view, big and compact
enough to be things, are regions. A patch too sprawling to be a thing may hold one that ran into
scenery of nearly its colour, so it is cut again at a gentler colour step and its compact pieces
that stand out from their surroundings are regions too.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np

FLAT_GRADIENT = 96.0  # Sobel colour gradient (Lab, 3x3) under which a pixel is inside a region
RIM_PX = 1.5  # the rim (px) of an even region the gradient's own support (3x3 blur, 3x3 Sobel) leaves out of the flat mask
CHROMA_WEIGHT = 2.0  # 8-bit Lab squeezes colour: a dark thing on dark foliage differs mostly in hue
MIN_AREA_PX = 12  # regions smaller than this (reduced pixels) are texture, not things
MIN_FILL = 0.4  # share of its box a region fills: lower is a thin sprawl (a kerb, a branch)
COLOUR_TOL = 18.0  # Lab distance within which a region keeps its identity from tick to tick
# A patch of even colour too sprawling to be a thing, or cut by the view's edge, may hold one that
# ran into scenery of nearly its colour: within such a patch (of at least SPLIT_AREA_PX), a gentler
# colour step (SPLIT_GRADIENT) is an edge too, and the pieces that are compact (fill SPLIT_FILL of
# their box; bits of split-up ground and foliage are ragged) and stand out from the ring of RING_PX
# around them by SPLIT_CONTRAST (half the colour difference that tells two tracks apart; a patch of
# ground set off by a shading step is its surroundings' colour) are regions as well.
SPLIT_GRADIENT = 64.0
SPLIT_AREA_PX = 4 * MIN_AREA_PX
SPLIT_FILL = 0.7
SPLIT_CONTRAST = COLOUR_TOL / 2
RING_PX = 2


@dataclass(frozen=True)
class Region:
    """An even-coloured region of the reduced frame: its box, centre, size and mean Lab colour."""

    box: tuple[float, float, float, float]  # (x, y, w, h), fractions of the view
    center: tuple[float, float]
    size: float  # equivalent diameter: sqrt(4 area / pi), fraction of the view's height
    colour: tuple[float, float, float]  # mean Lab
    # Width and height from the pixels' spread (4 standard deviations: a disc's diameter), fractions
    # of the view: a thin run into a neighbour moves the box's edge by pixels, the spread hardly.
    extent: tuple[float, float] = (0.0, 0.0)


def segmentation(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The frame in Lab (float), the mask of pixels inside an even-coloured patch, and the colour
    gradient the mask was cut from."""
    lab = lab_frame(image)
    grad = np.zeros(image.shape[:2], np.float32)
    for c in range(3):
        gx = cv2.Sobel(lab[..., c], cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(lab[..., c], cv2.CV_32F, 0, 1, ksize=3)
        weight = 1.0 if c == 0 else CHROMA_WEIGHT
        np.maximum(grad, weight * (np.abs(gx) + np.abs(gy)), out=grad)
    return lab, (grad < FLAT_GRADIENT).astype(np.uint8), grad


def lab_frame(image: np.ndarray) -> np.ndarray:
    """An RGB frame in Lab (float32), lightly blurred as the regions are cut from it."""
    return cv2.cvtColor(cv2.GaussianBlur(image, (3, 3), 0), cv2.COLOR_RGB2LAB).astype(np.float32)


def inside_view(x: int, y: int, bw: int, bh: int, area: int, w: int, h: int) -> bool:
    """Wholly inside the view, big enough to be a thing and compact enough to be one."""
    return (area >= MIN_AREA_PX and x > 0 and y > 0 and x + bw < w and y + bh < h
            and area >= MIN_FILL * bw * bh)


def _inside_all(stats: np.ndarray, w: int, h: int) -> list[int]:
    """The labels (background 0 left out) that pass `inside_view`, in order: the same test on the
    whole stats table at once (a frame has ~80 components; one by one in Python it was ~0.15 ms)."""
    x, y, bw, bh, area = (stats[:, i].astype(np.int64) for i in range(5))
    ok = ((area >= MIN_AREA_PX) & (x > 0) & (y > 0) & (x + bw < w) & (y + bh < h)
          & (area >= MIN_FILL * bw * bh))
    ok[0] = False
    return np.flatnonzero(ok).tolist()


def colour_distance(labf: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Per-pixel Lab distance to `colour`: np.linalg.norm(labf - colour, axis=2) bit for bit
    (the same float32 squares summed in the same order), without its reduction over a
    3-long axis (0.15 -> 0.04 ms on a 128x72 frame)."""
    d = labf - colour
    sq = d * d
    return np.sqrt(sq[..., 0] + sq[..., 1] + sq[..., 2])


def make_region(x: int, y: int, bw: int, bh: int, area: int, centroid: np.ndarray, colour: tuple[float, float, float],
            w: int, h: int, std: tuple[float, float]) -> Region:
    # The flat mask stops RIM_PX short of the region's edge on every side: measured without its rim,
    # a small thing's size is too small by a constant, its growth too fast and its time to contact
    # too short (half the truth at 8 px).
    return Region(box=((x - RIM_PX) / w, (y - RIM_PX) / h, (bw + 2 * RIM_PX) / w, (bh + 2 * RIM_PX) / h),
                  center=(float(centroid[0]) / w, float(centroid[1]) / h),
                  size=(math.sqrt(4 * area / math.pi) + 2 * RIM_PX) / h, colour=colour,
                  extent=((4 * std[0] + 2 * RIM_PX) / w, (4 * std[1] + 2 * RIM_PX) / h))


def regions(image: np.ndarray, seg: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> list[Region]:
    """Regions of even colour wholly inside the view, biggest first, and the compact pieces of
    sprawling ones (SPLIT_GRADIENT). `seg`: the frame's `segmentation`, when already made."""
    labf, flat, grad = seg if seg is not None else segmentation(image)
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(flat, connectivity=4)
    h, w = flat.shape
    keep = _inside_all(stats, w, h)
    out = _described(n, labels, stats, centroids, keep, labf) + _pieces(labels, stats, keep, labf, grad)
    out.sort(key=lambda r: -r.size)
    return out


@functools.lru_cache(maxsize=4)
def _squared_coordinates(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel's x squared and y squared (float32, flattened, read-only), as `_described` weighs its
    second moments: made once a frame size, not every tick (the frame's size seldom changes)."""
    gy, gx = np.indices((h, w), dtype=np.float32)
    out = (gx.reshape(-1) * gx.reshape(-1), gy.reshape(-1) * gy.reshape(-1))
    for a in out:
        a.flags.writeable = False
    return out


def _described(n: int, labels: np.ndarray, stats: np.ndarray, centroids: np.ndarray, keep: list[int],
               labf: np.ndarray) -> list[Region]:
    """The kept components as Regions (mean colour and pixel spread, by bincount over the frame)."""
    if not keep:
        return []
    h, w = labels.shape
    # Mean colour of each kept region in one pass (bincount per channel).
    flat_labels = labels.reshape(-1)
    counts = np.bincount(flat_labels, minlength=n).astype(np.float32)
    means = [np.bincount(flat_labels, weights=labf[..., c].reshape(-1), minlength=n) / np.maximum(counts, 1)
             for c in range(3)]
    # ...and the spread of each region's pixels along x and y (their second moments, the same way).
    std = []
    for g2, c in zip(_squared_coordinates(h, w), (centroids[:, 0], centroids[:, 1])):
        second = np.bincount(flat_labels, weights=g2, minlength=n) / np.maximum(counts, 1)
        std.append(np.sqrt(np.maximum(second - c * c, 0.0)))
    return [make_region(*(int(v) for v in stats[k]), centroids[k], (float(means[0][k]), float(means[1][k]), float(means[2][k])),
                    w, h, (float(std[0][k]), float(std[1][k]))) for k in keep]


def _contrast(labf: np.ndarray, cut: np.ndarray, k: int, box: tuple[int, int, int, int], colour: np.ndarray) -> float:
    """Lab distance from a piece's (label `k` of `cut`) mean colour to that of the ring of pixels
    RING_PX around it."""
    x, y, bw, bh = box
    h, w = cut.shape
    x0, y0, x1, y1 = max(0, x - RING_PX), max(0, y - RING_PX), min(w, x + bw + RING_PX), min(h, y + bh + RING_PX)
    near = (cut[y0:y1, x0:x1] == k).astype(np.uint8)
    ring = cv2.dilate(near, np.ones((2 * RING_PX + 1, 2 * RING_PX + 1), np.uint8)) > near
    return float(np.linalg.norm(labf[y0:y1, x0:x1][ring].mean(axis=0) - colour)) if ring.any() else 0.0


def _pieces(labels: np.ndarray, stats: np.ndarray, keep: list[int], labf: np.ndarray, grad: np.ndarray) -> list[Region]:
    """The compact pieces of the big even patches that are not regions themselves, cut again where
    the colour steps by SPLIT_GRADIENT (see there); few a frame, so each is measured in its own box."""
    sprawl = stats[:, cv2.CC_STAT_AREA] >= SPLIT_AREA_PX
    sprawl[0] = False
    sprawl[keep] = False
    if not sprawl.any():
        return []
    mask = (sprawl[labels] & (grad < SPLIT_GRADIENT)).astype(np.uint8)
    _, cut, cut_stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=4)
    h, w = labels.shape
    out = []
    for k in _inside_all(cut_stats, w, h):
        x, y, bw, bh, area = (int(v) for v in cut_stats[k])
        if area < SPLIT_FILL * bw * bh:
            continue
        mine = cut[y:y + bh, x:x + bw] == k
        ys, xs = np.nonzero(mine)
        colour = labf[y:y + bh, x:x + bw][mine].mean(axis=0)
        if _contrast(labf, cut, k, (x, y, bw, bh), colour) < SPLIT_CONTRAST:
            continue
        colour = tuple(float(v) for v in colour)
        out.append(make_region(x, y, bw, bh, area, centroids[k], colour, w, h, (float(xs.std()), float(ys.std()))))
    return out
