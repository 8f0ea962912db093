"""The slots' eyes: a background model carried by the head's motion, and the blobs that move against it.

Frames are shrunk to WORK_WIDTH px. The background (colour) and its per-pixel spread are warped by
each tick's ego-motion homography, so a pan or a walk moves them with the view instead of
lighting them up; pixels newly exposed at the border start from this frame with a wide spread.
A pixel is foreground when it differs from the background by more than FG_MIN and by more than
FG_SIGMAS of its own spread: leaves in the wind, parallax the homography cannot explain and
compression noise learn a wide spread and stop showing, a thing that moved does not. Connected
components of the foreground are the blobs, each with an appearance descriptor (mean Lab colour of
the blob's four quadrants).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from glasses_agent.world_model.egomotion import Motion, warp_by_homography
from glasses_agent.world_model.foreground import WORK_WIDTH as FG_WORK_WIDTH
from glasses_agent.world_model.foreground import BackgroundModel, at_view_border

WORK_WIDTH = FG_WORK_WIDTH  # the object memory's work frames: the world model shrinks each frame once for both
FG_MIN = 22.0  # colour distance (RGB L2) below which nothing is foreground
FG_SIGMAS = 3.0
BG_RATE = 0.08  # background learning rate where nothing is in front
FG_RATE = 0.005  # ... and where something is (a thing that stopped joins it over ~20 s)
SPREAD_RATE = 0.05
EXPOSED_SPREAD = 25.0  # the spread a newly exposed pixel starts with
MIN_AREA_FRACTION = 0.0015
MAX_AREA_FRACTION = 0.25
CUT_FRACTION = 0.5  # more of the view than this unlike the background: a cut, a blur: start over
CALM_FRACTION = 0.15
STILL_DIFF = 10.0  # a pixel that changed less than this since the last tick held still
GHOST_TICKS = 25  # foreground that held still this long is background (a ghost, a thing that stopped)


@dataclass
class Blob:
    """One connected region that differs from the ego-motion-warped background on this tick: its
    centre and box in work-frame pixels, area, appearance descriptor, whether it touches the view's
    border, and how strongly it stands out."""

    x: float
    y: float
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 (work px)
    area: float
    appearance: np.ndarray
    touches_border: bool
    contrast: float  # median difference from the background over its own spread threshold


TEMPLATE = 8  # the descriptor's grey template is TEMPLATE x TEMPLATE (its pattern, not only its colours)
PATTERN_WEIGHT = 30.0  # Lab units one unit of (1 - correlation) of the patterns counts as


def appearance_distance(a: np.ndarray, b: np.ndarray, pattern: bool = True) -> float:
    """Mean Lab distance over the descriptor's quadrants plus (`pattern`) how unlike their
    patterns are (1 - normalised correlation of the grey templates, in Lab-like units). The
    pattern tells a textured thing from a textured background of the same colours; it is left out
    where a thing is judged against its own past look: a flat-coloured thing's template is its
    box's edges and the background behind them, which change as it moves (the scenario suite's
    mixed scenes: false "change" every few seconds with it)."""
    colour = float(np.linalg.norm((a[:12] - b[:12]).reshape(-1, 3), axis=1).mean())
    if not pattern:
        return colour
    return colour + PATTERN_WEIGHT * (1.0 - float(np.dot(a[12:], b[12:])))


class MovingBackground:
    """Background colour and spread of the current view; `step` per tick returns the blobs."""

    def __init__(self) -> None:
        self.background: np.ndarray | None = None
        self.spread: np.ndarray | None = None
        self.image: np.ndarray | None = None
        self.lab: np.ndarray | None = None
        self.foreground: np.ndarray | None = None
        self.previous: np.ndarray | None = None
        self.still: np.ndarray | None = None
        self.size = (0, 0)
        self.calm = True

    # The object memory's own shrink: the world model shrinks each frame once for both.
    work_image = staticmethod(BackgroundModel.work_image)

    def _start(self, img: np.ndarray) -> None:
        self.background = img.copy()
        self.spread = np.full(img.shape[:2], EXPOSED_SPREAD / 2, np.float32)
        self.foreground = np.zeros(img.shape[:2], bool)
        self.previous = img.copy()
        self.still = np.zeros(img.shape[:2], np.int16)

    def step(self, image: np.ndarray, motion: Motion, work: np.ndarray | None = None) -> list[Blob] | None:
        """This tick's blobs (None: the view started over). `work`: the frame already shrunk by `work_image`."""
        img = self.work_image(image) if work is None else work
        h, w = img.shape[:2]
        self.image = img
        self.lab = cv2.cvtColor(np.clip(img / 255.0, 0, 1).astype(np.float32), cv2.COLOR_RGB2Lab)
        if self.background is None or self.background.shape != img.shape:
            self.size = (w, h)
            self._start(img)
            return None
        if motion.ok:
            m = motion.scaled(w)
            if not np.allclose(m.homography, np.eye(3), atol=1e-3):
                self.background = warp_by_homography(self.background, m.homography, cv2.BORDER_CONSTANT,
                                                     (-1000.0, -1000.0, -1000.0))
                self.spread = warp_by_homography(self.spread, m.homography, cv2.BORDER_CONSTANT, EXPOSED_SPREAD)
                exposed = self.background[..., 0] < -1.0
                self.background[exposed] = img[exposed]
                self.spread[exposed] = EXPOSED_SPREAD
                self.previous = warp_by_homography(self.previous, m.homography)
                self.still[exposed] = 0
        diff = np.sqrt(((img - self.background) ** 2).sum(axis=-1))
        threshold = np.maximum(FG_MIN, FG_SIGMAS * self.spread)
        fg = diff > threshold
        if fg.mean() > CUT_FRACTION:
            self._start(img)
            return None
        self.calm = fg.mean() < CALM_FRACTION
        # The spread learns from every pixel (clipped, and slower under a thing in front), so
        # what keeps differing in a moving view widens it; the colour only where nothing is in front.
        clipped = np.minimum(diff, 2 * threshold)
        rate = np.where(fg, SPREAD_RATE * 0.2, SPREAD_RATE).astype(np.float32)
        self.spread = np.sqrt((1 - rate) * self.spread ** 2 + rate * clipped ** 2).astype(np.float32)
        learn = np.where(fg, FG_RATE, BG_RATE).astype(np.float32)[..., None]
        self.background += learn * (img - self.background)
        # Foreground that holds still is no mover: a ghost of something that left, or a thing that stopped.
        held = np.sqrt(((img - self.previous) ** 2).sum(axis=-1)) < STILL_DIFF
        self.still = np.where(held, np.minimum(self.still + 1, 1000), 0).astype(np.int16)
        ghost = fg & (self.still >= GHOST_TICKS)
        self.background[ghost] = img[ghost]
        self.previous = img
        mask = cv2.morphologyEx(fg.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        self.foreground = mask.astype(bool)
        return self._blobs(mask, diff / threshold)

    def _blobs(self, mask: np.ndarray, ratio: np.ndarray) -> list[Blob]:
        h, w = mask.shape
        count, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
        blobs = []
        for k in range(1, count):
            x0, y0, bw, bh, area = (int(v) for v in stats[k])
            if area < MIN_AREA_FRACTION * h * w or area > MAX_AREA_FRACTION * h * w:
                continue
            box = (slice(y0, y0 + bh), slice(x0, x0 + bw))
            inside = labels[box] == k
            blobs.append(Blob(
                x=float(centroids[k][0]), y=float(centroids[k][1]), box=(x0, y0, x0 + bw, y0 + bh), area=float(area),
                appearance=self._descriptor(self.lab[box], inside),
                touches_border=at_view_border((x0, y0, x0 + bw, y0 + bh), (w, h)),
                contrast=float(np.median(ratio[box][inside])),
            ))
        return blobs

    @staticmethod
    def _descriptor(lab: np.ndarray, inside: np.ndarray) -> np.ndarray:
        """Mean Lab of the blob's pixels in each quadrant of its box (the whole blob's where one is empty)."""
        whole = lab[inside].mean(axis=0)
        h, w = inside.shape
        grey = cv2.resize(np.ascontiguousarray(lab[..., 0]), (TEMPLATE, TEMPLATE), interpolation=cv2.INTER_AREA).ravel()
        grey = grey - grey.mean()
        grey = grey / max(float(np.linalg.norm(grey)), 1e-3)
        out = []
        for ys in (slice(0, max(1, h // 2)), slice(h // 2, h)):
            for xs in (slice(0, max(1, w // 2)), slice(w // 2, w)):
                part = lab[ys, xs][inside[ys, xs]]
                out.append(part.mean(axis=0) if len(part) >= 3 else whole)
        return np.concatenate(out + [grey]).astype(np.float32)

    def _clip_box(self, box: tuple) -> tuple[slice, slice] | None:
        w, h = self.size
        x0, y0, x1, y1 = (int(round(v)) for v in box)
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if x1 - x0 < 2 or y1 - y0 < 2:
            return None
        return slice(y0, y1), slice(x0, x1)

    def foreground_fraction(self, box: tuple) -> float:
        """How much of a box (work px) is foreground now."""
        region = self._clip_box(box)
        if region is None or self.foreground is None:
            return 0.0
        return float(self.foreground[region].mean())

    def looks(self, box: tuple) -> tuple[np.ndarray, np.ndarray] | None:
        """The descriptors of a box (work px) as it shows now and as the background shows it."""
        region = self._clip_box(box)
        if region is None or self.lab is None or self.background is None:
            return None
        bg = cv2.cvtColor(np.clip(self.background[region] / 255.0, 0, 1).astype(np.float32), cv2.COLOR_RGB2Lab)
        every = np.ones(bg.shape[:2], bool)
        return self._descriptor(self.lab[region], every), self._descriptor(bg, every)
