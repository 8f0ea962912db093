"""The object memory's eyes: a background model kept aligned with the head, and what differs from it.

Frames are shrunk to <= WORK_WIDTH px and blurred; the background learns slowly where nothing is
in front, is shifted with the view when the head turns (phase correlation, whole pixels), and
what differs from it by more than FG_THRESHOLD falls into connected components: the detections
that objects.py turns into tracks. Classical and cheap: ~1 ms a frame on two cores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

WORK_WIDTH = 160  # frames are shrunk to this width (aspect kept): the tracker's pixels
FG_THRESHOLD = 30.0  # colour distance (RGB L2) from the background that counts as foreground
BG_RATE = 0.05  # background learning rate where nothing is in front
STABLE_FRAMES = 40  # a foreground pixel unchanged this many frames (4 s) joins the background: long
# enough that the uniform inside of a slowly moving object is not absorbed (it leaves a ghost)
STABLE_DIFF = 12.0
MIN_AREA_FRACTION = 0.0008


@dataclass
class Detection:
    """A foreground blob in work pixels: where, how big, its colour and how clearly it stands out."""

    x: float
    y: float
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in work pixels
    area: float
    colour: np.ndarray
    fill: float
    touches_border: bool
    contrast: float = 0.0  # median colour distance from the background: how clearly it stands out
    top: np.ndarray | None = None  # median colour of its upper half (a walker's coat) ...
    bottom: np.ndarray | None = None  # ... and of its lower half (their trousers): told apart where the whole is not

    @property
    def aspect(self) -> float:
        x0, y0, x1, y1 = self.box
        return (x1 - x0) / max(1, y1 - y0)


def exact_median(values: np.ndarray | list[float], axis: int | None = None) -> np.ndarray | np.floating:
    """np.median's value, bit for bit (the mean of the middle two, in the values' own float type),
    without its overhead: ~60 calls a tick on the gopro walk at ~25 us each were a third of a step."""
    a = np.asarray(values)
    if a.dtype.kind != "f" or a.ndim not in (1, 2) or (a.ndim == 2 and axis != 0) or len(a) == 0:
        return np.median(a, axis=axis)
    k = len(a) // 2
    part = a.copy()  # np.partition's own copy and selection, without its wrapper's overhead (~90 calls a tick)
    if len(a) % 2:
        part.partition(k, axis=0)
        return part[k]
    part.partition((k - 1, k), axis=0)
    return (part[k - 1] + part[k]) / 2


def true_share(mask: np.ndarray) -> float:
    """The share of a non-empty boolean array that is True: `float(mask.mean())` bit for bit (numpy's
    mean of booleans is their exact count over the size, divided in float64), at a tenth of its
    cost (~7 -> ~1 us a call on a work frame; ~10 calls a tick on the gopro walk)."""
    return float(np.count_nonzero(mask) / mask.size)


def colour_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """RGB L2 distance over the last axis, in float32."""
    if a.shape == b.shape == (3,) and a.dtype == b.dtype == np.float32:
        # Two colours (~70 pairs a tick in the object memory's association on the gopro walk): the
        # same float32 steps as below on numpy scalars, at half the cost (8.5 -> 4 us a call).
        d = a - b
        d = d * d
        return np.sqrt((d[0] + d[1]) + d[2])
    d = a.astype(np.float32, copy=False) - b.astype(np.float32, copy=False)
    d = d * d
    if d.shape[-1] != 3:
        return np.sqrt(d.sum(axis=-1))
    # The three channels added in the order numpy's sum over a length-3 axis adds them (bit for
    # bit its result): `.sum(axis=-1)` over so short an axis cost ~9x as much on a work frame
    # (0.18 ms, twice a tick).
    return np.sqrt((d[..., 0] + d[..., 1]) + d[..., 2])


def nearest_colour_distance(pixels: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """Each of `pixels`' (N, 3) RGB distance to the nearest of `colours` (M, 3): whether a pixel shows
    any colour of a set (an occluder's, a surface's). In the inputs' float type, float32 at least."""
    kind = np.result_type(pixels.dtype, colours.dtype, np.float32)
    d = pixels.astype(kind, copy=False)[:, None, :] - colours.astype(kind, copy=False)[None, :, :]
    return np.sqrt((d * d).sum(axis=2)).min(axis=1)



def border_sides(box: tuple[float, float, float, float], view: tuple[int, int]) -> tuple[bool, bool]:
    """Which edges of a (width, height) view a box (x0, y0, x1, y1) lies within a pixel of: (the left or
    right, the top or bottom)."""
    w, h = view
    x0, y0, x1, y1 = box
    return bool(x0 <= 1 or x1 >= w - 1), bool(y0 <= 1 or y1 >= h - 1)


def at_view_border(box: tuple[float, float, float, float], view: tuple[int, int]) -> bool:
    """Whether a box lies within a pixel of an edge of the view (`border_sides`): a blob there may be
    only part of a thing that reaches out of view."""
    side, end = border_sides(box, view)
    return side or end


class BackgroundModel:
    """The background of the current view (work pixels), the previous frame, and how long each
    pixel has held still. `start` on the first frame; then per frame `align`, `detect`, `update`."""

    def __init__(self) -> None:
        self.background: np.ndarray | None = None
        self.previous: np.ndarray | None = None
        self.stable: np.ndarray | None = None

    def fits(self, img: np.ndarray) -> bool:
        return self.background is not None and self.background.shape == img.shape

    def start(self, img: np.ndarray) -> None:
        """Start over from this frame (the first one, or after the whole picture changed)."""
        self.background, self.previous = img.copy(), img.copy()
        self.stable = np.zeros(img.shape[:2], np.int16)

    @staticmethod
    def work_image(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        scale = min(1.0, WORK_WIDTH / w)
        size = (max(8, round(w * scale)), max(8, round(h * scale)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA) if size != (w, h) else image
        return cv2.GaussianBlur(small.astype(np.float32), (3, 3), 0)

    def align(self, img: np.ndarray) -> tuple[float, float]:
        """Shift the background with the view when the head turns; returns the shift (work px)."""
        prev = cv2.cvtColor(self.previous, cv2.COLOR_RGB2GRAY)
        cur = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        (dx, dy), response = cv2.phaseCorrelate(prev, cur)
        if response < 0.3 or math.hypot(dx, dy) < 0.5 or math.hypot(dx, dy) > img.shape[1] / 3:
            return (0.0, 0.0)
        # Whole pixels only (a sub-pixel warp smears the background), and only a shift that
        # really brings the background closer to the frame: a thing moving in a still view pulls
        # the estimate by a fraction of a pixel, which must not move the background.
        rx, ry = int(round(dx)), int(round(dy))
        bg = cv2.cvtColor(self.background, cv2.COLOR_RGB2GRAY)
        m = 4 + max(abs(rx), abs(ry))

        candidates = {(0, 0), (rx, ry), (rx, 0), (0, ry)}
        # Each candidate's misfit once (the best's and no shift's were found again, ~40 us each).
        misfit = {(sx, sy): float(np.abs(np.roll(bg, (sy, sx), axis=(0, 1))[m:-m, m:-m] - cur[m:-m, m:-m]).mean())
                  for sx, sy in candidates}
        best = min(candidates, key=lambda c: (misfit[c], abs(c[0]) + abs(c[1])))
        if best == (0, 0) or misfit[best] > 0.9 * misfit[(0, 0)]:
            return (0.0, 0.0)
        dx, dy = float(best[0]), float(best[1])
        matrix = np.float32([[1, 0, dx], [0, 1, dy]])
        size = (img.shape[1], img.shape[0])
        self.background = cv2.warpAffine(self.background, matrix, size, borderMode=cv2.BORDER_REPLICATE)
        # Newly exposed edges have no history: take them from this frame.
        mask = cv2.warpAffine(np.ones(img.shape[:2], np.uint8), matrix, size, borderValue=0) == 0
        self.background[mask] = img[mask]
        self.stable[:] = 0
        return (float(dx), float(dy))

    def detect(self, img: np.ndarray, foreground: np.ndarray, diff: np.ndarray) -> list[Detection]:
        h, w = foreground.shape
        mask = cv2.morphologyEx(foreground.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        count, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
        min_area = max(6.0, MIN_AREA_FRACTION * h * w)
        areas = stats[:, cv2.CC_STAT_AREA]
        kept = ~((areas < min_area) | (areas > 0.25 * h * w))
        kept[0] = False  # the background
        ks = np.flatnonzero(kept)
        # The kept components' pixels gathered once, each component's together and in row order (a
        # stable sort by label): the same pixels, in the same order, as masking each one's box
        # (~25 a tick on the gopro walk, each a compare and two masked gathers).
        at = np.flatnonzero(kept.take(labels.ravel()))  # (take: half the cost of indexing, ~35 -> ~19 us)
        at = at[np.argsort(labels.ravel()[at].astype(np.int16 if count < 2 ** 15 else np.int32), kind="stable")]
        all_pixels, all_diffs, all_rows = img.reshape(h * w, -1)[at], diff.ravel()[at], at // w
        ends = np.cumsum(areas[ks]).tolist()
        boxes, centres = stats.tolist(), centroids.tolist()  # Python numbers: cheaper to unpack and test
        found = []
        for k, end in zip(ks.tolist(), ends):
            x0, y0, bw, bh, area = boxes[k]
            begin = end - area
            pixels = all_pixels[begin:end]
            # Its pixels in the box's upper half rows come first (rows ascend within a component).
            upper = int(np.searchsorted(all_rows[begin:end], y0 + (bh + 1) // 2))
            top = exact_median(pixels[:upper], axis=0) if upper else None
            bottom = exact_median(pixels[upper:], axis=0) if upper < len(pixels) else None
            found.append(Detection(
                top=top, bottom=bottom,
                contrast=float(exact_median(all_diffs[begin:end])),
                x=centres[k][0], y=centres[k][1], box=(x0, y0, x0 + bw, y0 + bh),
                area=float(area), colour=exact_median(pixels, axis=0), fill=float(area) / float(bw * bh),
                touches_border=at_view_border((x0, y0, x0 + bw, y0 + bh), (w, h)),
            ))
        return found

    def update(self, img: np.ndarray, foreground: np.ndarray, diff: np.ndarray) -> None:
        still = colour_distance(img, self.previous) < STABLE_DIFF
        # Counted up where still, 0 elsewhere: the product with the mask in place, not np.where and a
        # cast (the same int16 values, ~35 -> ~8 us).
        stable = np.minimum(self.stable + 1, 1000)
        stable *= still
        self.stable = stable
        rate = np.where(foreground, 0.0, BG_RATE).astype(np.float32)[..., None]
        self.background += rate * (img - self.background)
        # Faint changes that hold still (a compression step, a shadow) join the background
        # quickly; a clear one (a thing that stopped) only after STABLE_FRAMES.
        faint = diff < 2 * FG_THRESHOLD
        absorb = foreground & ((self.stable >= STABLE_FRAMES) | (faint & (self.stable >= 4)))
        # OpenCV's masked copy: numpy's boolean-mask assignment, at a tenth of its cost.
        self.background = cv2.copyTo(img, absorb.view(np.uint8), self.background)
