"""Real objects for made-up pairs: crops cut from real frames, with soft-edged masks of several shapes,
scaled, turned and contrast-adjusted, and pasted over a canvas.

A crop is chosen where a frame has most structure (gradient energy and colour spread among random
candidate boxes), so it is a thing with edges rather than a patch of wall. Its mask is an ellipse, a
rounded rectangle, or the foreground GrabCut finds inside the box (falling back to an ellipse when
GrabCut keeps too little or nearly everything); the mask is then feathered so the crop has a soft edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

MASK_SHAPES = ("ellipse", "rounded_rect", "grabcut")


@dataclass
class ObjectCrop:
    """An RGB crop and its soft alpha mask (float 0..1, same size), with where it came from."""

    image: np.ndarray
    alpha: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def core_rows(self) -> int:
        """Rows where the object is at least half opaque: its visible height, soft edge aside."""
        return max(1, int((self.alpha.max(axis=1) >= 0.5).sum()))


def _structure_score(patch: np.ndarray) -> float:
    grey = cv2.cvtColor(patch, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx, gy = cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1)
    return float(np.mean(np.hypot(gx, gy)) + patch.reshape(-1, 3).std(axis=0).mean())


def _ellipse(h: int, w: int) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    cv2.ellipse(m, (w // 2, h // 2), (max(1, w // 2 - 1), max(1, h // 2 - 1)), 0, 0, 360, 255, -1)
    return m


def _rounded_rect(h: int, w: int, radius_frac: float) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    r = max(1, int(min(h, w) * radius_frac))
    cv2.rectangle(m, (r, 0), (w - 1 - r, h - 1), 255, -1)
    cv2.rectangle(m, (0, r), (w - 1, h - 1 - r), 255, -1)
    for cx, cy in ((r, r), (w - 1 - r, r), (r, h - 1 - r), (w - 1 - r, h - 1 - r)):
        cv2.circle(m, (cx, cy), r, 255, -1)
    return m


def _grabcut(frame: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray | None:
    """GrabCut's foreground inside `box` (x, y, w, h) of the frame, learnt against the frame around the
    box (a margin of half the box on each side), or None if it keeps too little or nearly all of it."""
    x0, y0, bw, bh = box
    H, W = frame.shape[:2]
    mx, my = bw // 2, bh // 2
    ax, ay = max(0, x0 - mx), max(0, y0 - my)
    bx, by = min(W, x0 + bw + mx), min(H, y0 + bh + my)
    region = frame[ay:by, ax:bx]
    scale = min(1.0, 160 / max(region.shape[:2]))  # GrabCut's cost grows with pixels: work at <= 160 px
    small = cv2.resize(region, (max(8, round(region.shape[1] * scale)), max(8, round(region.shape[0] * scale))),
                       interpolation=cv2.INTER_AREA)
    rect = (round((x0 - ax) * scale), round((y0 - ay) * scale), max(2, round(bw * scale)), max(2, round(bh * scale)))
    mask = np.zeros(small.shape[:2], np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # GrabCut's GMM initialisation draws from OpenCV's RNG: keep it deterministic
    try:
        cv2.grabCut(cv2.cvtColor(small, cv2.COLOR_RGB2BGR), mask, rect, bgd, fgd, 4, cv2.GC_INIT_WITH_RECT)
    except cv2.error:
        return None
    fg = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    fg = cv2.resize(fg, (region.shape[1], region.shape[0]), interpolation=cv2.INTER_NEAREST)
    fg = np.ascontiguousarray(fg[y0 - ay:y0 - ay + bh, x0 - ax:x0 - ax + bw])
    # The largest connected piece, holes filled: one object, not confetti.
    n, labels, stats, _ = cv2.connectedComponentsWithStats(fg)
    if n < 2:
        return None
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    fg = np.where(labels == biggest, 255, 0).astype(np.uint8)
    contours, _ = cv2.findContours(fg, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(fg, contours, -1, 255, -1)
    share = fg.mean() / 255
    return fg if 0.15 <= share <= 0.95 else None


def _feather(mask: np.ndarray, soft_frac: float) -> np.ndarray:
    """A soft edge that stays inside the mask: erode by the blur radius, then blur."""
    h, w = mask.shape
    r = max(1, int(min(h, w) * soft_frac))
    eroded = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    if eroded.max() == 0:
        eroded = mask
    soft = cv2.GaussianBlur(eroded.astype(np.float32) / 255.0, (0, 0), sigmaX=r / 1.5)
    return np.clip(soft, 0.0, 1.0)


def cut_crop(rng: np.random.Generator, frame: np.ndarray, shape: str, source: str, frame_index: int,
             aspect: float | None = None) -> ObjectCrop:
    """The most structured of a few random boxes of `frame` (width/height `aspect`, else random),
    masked with `shape` and feathered."""
    h, w = frame.shape[:2]
    best, best_score = None, -1.0
    for _ in range(24):
        bh = int(h * rng.uniform(0.18, 0.4))
        bw = int(np.clip(bh * (aspect or rng.uniform(0.6, 1.6)), 8, w - 2))
        bh = max(8, min(bh, h - 2))
        x0, y0 = int(rng.integers(0, w - bw)), int(rng.integers(0, h - bh))
        score = _structure_score(frame[y0:y0 + bh, x0:x0 + bw])
        if score > best_score:
            best, best_score = (x0, y0, bw, bh), score
    x0, y0, bw, bh = best  # type: ignore[misc]
    patch = np.ascontiguousarray(frame[y0:y0 + bh, x0:x0 + bw])
    used = shape
    if shape == "grabcut":
        mask = _grabcut(frame, (x0, y0, bw, bh))
        if mask is None:
            mask, used = _ellipse(bh, bw), "ellipse (grabcut degenerate)"
    elif shape == "rounded_rect":
        mask = _rounded_rect(bh, bw, rng.uniform(0.15, 0.4))
    else:
        mask = _ellipse(bh, bw)
    alpha = _feather(mask, rng.uniform(0.04, 0.08))
    # Trim to the mask's extent so the crop's height is the object's height.
    ys, xs = np.nonzero(alpha > 0.02)
    patch, alpha = patch[ys.min():ys.max() + 1, xs.min():xs.max() + 1], alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    info = {"source": source, "frame": frame_index, "box": [x0, y0, bw, bh], "mask": used}
    return ObjectCrop(np.ascontiguousarray(patch), np.ascontiguousarray(alpha), info)


def as_panel(crop: ObjectCrop) -> ObjectCrop:
    """The crop's whole image as an opaque rounded panel with a soft rim: an occluder whose opaque part
    is nearly its box, whatever mask shape the crop was cut with."""
    h, w = crop.alpha.shape
    alpha = _feather(_rounded_rect(h, w, 0.15), 0.03)
    return ObjectCrop(crop.image, alpha, dict(crop.info, mask="rounded_rect (occluder panel)"))


def with_contrast(crop: ObjectCrop, contrast: float) -> ObjectCrop:
    """The crop's colours pulled toward their mean by `contrast` (1 = as cut)."""
    mean = (crop.image.reshape(-1, 3).astype(np.float32) * crop.alpha.reshape(-1, 1)).sum(0) / max(crop.alpha.sum(), 1e-6)
    img = mean + contrast * (crop.image.astype(np.float32) - mean)
    return ObjectCrop(np.clip(img, 0, 255).astype(np.uint8), crop.alpha, dict(crop.info))


def sized(crop: ObjectCrop, height_px: float, angle_deg: float = 0.0, squash: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The crop scaled so its half-opaque part is `height_px` tall, turned in the image plane by `angle_deg` and narrowed by `squash`
    (a turn about the vertical axis seen from the front), as float RGB and alpha on a tight canvas."""
    h, w = crop.alpha.shape
    s = height_px / crop.core_rows  # the visible object, not its fading rim, is height_px tall
    nw, nh = max(2, round(w * s * squash)), max(2, round(height_px))
    img = cv2.resize(crop.image, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR).astype(np.float32)
    alpha = cv2.resize(crop.alpha, (nw, nh), interpolation=cv2.INTER_LINEAR)
    if abs(angle_deg) > 1e-3:
        side = int(np.ceil(np.hypot(nw, nh))) + 2
        m = cv2.getRotationMatrix2D((nw / 2, nh / 2), angle_deg, 1.0)
        m[:, 2] += [(side - nw) / 2, (side - nh) / 2]
        img = cv2.warpAffine(img, m, (side, side), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
        alpha = cv2.warpAffine(alpha, m, (side, side), flags=cv2.INTER_LINEAR, borderValue=0)
    return img, alpha


def paste(canvas: np.ndarray, img: np.ndarray, alpha: np.ndarray, cx: float, cy: float) -> None:
    """Alpha-blend img (float RGB) centred at (cx, cy) onto the float canvas, in place, clipped."""
    h, w = alpha.shape
    x0, y0 = int(round(cx - w / 2)), int(round(cy - h / 2))
    cx0, cy0 = max(0, x0), max(0, y0)
    cx1, cy1 = min(canvas.shape[1], x0 + w), min(canvas.shape[0], y0 + h)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    a = alpha[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0, None]
    region = canvas[cy0:cy1, cx0:cx1]
    region[:] = region * (1 - a) + img[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0] * a


def measured_contrast(background: np.ndarray, img: np.ndarray, alpha: np.ndarray, cx: float, cy: float) -> float:
    """Mean absolute grey difference between the object and the background it covers (alpha-weighted)."""
    h, w = alpha.shape
    x0, y0 = int(round(cx - w / 2)), int(round(cy - h / 2))
    if x0 < 0 or y0 < 0 or x0 + w > background.shape[1] or y0 + h > background.shape[0]:
        return float("nan")
    under = background[y0:y0 + h, x0:x0 + w].astype(np.float32)
    grey = np.array([0.299, 0.587, 0.114], np.float32)
    diff = np.abs(under @ grey - img @ grey)
    return float((diff * alpha).sum() / max(alpha.sum(), 1e-6))
