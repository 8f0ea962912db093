"""How much a thing's own image grew between two frames, from its appearance, not its outline.

A blob of change or an even region gives a box whose sides are whole pixels and whose outline
takes in whatever the thing touches: a textured thing (a bag, a ball with a print on it, a real
object over busy scenery) has no even interior, and its blob of change runs ragged wherever its
texture happens to match what lies behind it, so a size read off the box jitters by 10-40% from
tick to tick at 10-15 px. Its texture, though, is the same texture made bigger: the frame now
over the box is the earlier frame scaled up about the box by the thing's growth. So match them:
scale the earlier frame (already aligned for the head's pan) about the box's centre by scales of
SCALES (two PROBES first, then down the slope from the better one), slide it a few pixels (the thing
drifts as it comes), and keep the scale whose best match leaves the least squared difference,
refined between its neighbours. A thing closing at a steady
speed grows by s = (tau + lag) / tau over the lag, so its time to contact now is lag / (s - 1).

The match is believed only where the scaled earlier frame explains the box clearly better than
the unscaled one (BETTER): over scenery that only shifts, or a flat patch with nothing to match,
scaling buys nothing.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

SCALES = tuple(round(0.95 + 0.05 * i, 2) for i in range(17))  # 0.95 .. 1.75 (over 0.6 s, tau 2 s: 1.3; 1 s: 1.6)
STEP = 0.05
SHIFT_PX = 3  # the thing's own drift over the lag, searched around the box (reduced pixels)
MIN_SIDE_PX = 6  # a box narrower than this (reduced pixels) has too little texture to match
MAX_SIDE_PX = 16  # a bigger box is matched at this size: the scale needs no more pixels, the cost does
MIN_CONTRAST = 4.0  # grey-level spread under which the box holds nothing to match
BETTER = 0.5  # the best scaled match's residual must be under this share of the unscaled one's
PROBES = (SCALES.index(1.25), SCALES.index(1.5))  # first looked at: is there growth at all?
PROBE_BETTER = 0.8  # ...where one of them must leave under this share of the unscaled residual


def appearance_scale(before: np.ndarray, now: np.ndarray, box: tuple[float, float, float, float]) -> float | None:
    """The scale about `box`'s centre that maps `before` onto `now` (both float32 grey, one size,
    `before` aligned for the view's shift), or None when it is not believed: a box too small, too
    flat or at the view's edge, or no scale matching clearly better than none. `box`: (x, y, w, h),
    fractions of the view."""
    match = appearance_match(before, now, box)
    return None if match is None else match[0]


def appearance_match(before: np.ndarray, now: np.ndarray, box: tuple[float, float, float, float]
                     ) -> tuple[float, tuple[float, float]] | None:
    """`appearance_scale`, with where the match took the box's content from: (scale, (dx, dy)),
    the pixel at offset o from the box's centre now being the one at o / scale + (dx, dy) in
    `before` (its drift over the lag, pixels of `before`, at the best whole scale step)."""
    h, w = now.shape
    x, y, bw, bh = box
    x0, y0 = int(round(x * w)), int(round(y * h))
    x1, y1 = int(round((x + bw) * w)), int(round((y + bh) * h))
    if x1 - x0 < MIN_SIDE_PX or y1 - y0 < MIN_SIDE_PX:
        return None
    # The earlier frame is sampled SHIFT_PX around the box, so the box must keep that far from the edge.
    if x0 < SHIFT_PX or y0 < SHIFT_PX or x1 > w - SHIFT_PX or y1 > h - SHIFT_PX:
        return None
    if float(cv2.meanStdDev(now[y0:y1, x0:x1])[1][0, 0]) < MIN_CONTRAST:
        return None
    # Bigger boxes are matched shrunk to MAX_SIDE_PX on their longer side, both frames sampled
    # alike (at the unscaled match, the window's middle is the template exactly).
    shrink = min(1.0, MAX_SIDE_PX / max(x1 - x0, y1 - y0))
    cx, cy = (x0 + x1 - 1) / 2.0, (y0 + y1 - 1) / 2.0
    tw, th = max(MIN_SIDE_PX, int(round((x1 - x0) * shrink))), max(MIN_SIDE_PX, int(round((y1 - y0) * shrink)))
    template = _sampled(now, cx, cy, 1.0 / shrink, tw, th, 0)
    # Scaled by s about the centre, `before` puts at an offset from it what it had at offset / s.
    errors: dict[int, float] = {}  # index into SCALES -> the best match's residual
    shifts: dict[int, tuple[int, int]] = {}  # ...and where in the window it lay

    def residual(i: int) -> float:
        if i not in errors:
            window = _sampled(before, cx, cy, 1.0 / (SCALES[i] * shrink), tw, th, SHIFT_PX)
            least, _, at, _ = cv2.minMaxLoc(cv2.matchTemplate(window, template, cv2.TM_SQDIFF))
            errors[i], shifts[i] = float(least), at
        return errors[i]

    # Most boxes (a passer-by, a patch of scenery) are no growing thing: the unscaled match and
    # two probes (tau ~2.4 s and ~1.2 s over 0.6 s) settle that before any search.
    unscaled = residual(SCALES.index(1.0))
    best = min(PROBES, key=residual)
    if not residual(best) < PROBE_BETTER * unscaled:
        return None
    while True:  # down the slope to the nearest minimum, a step at a time
        step = min((i for i in (best - 1, best + 1) if 0 <= i < len(SCALES)), key=residual)
        if residual(step) >= residual(best):
            break
        best = step
    # A best match at either end of the range is no measurement (the truth may lie beyond it:
    # over a flat patch or a thing that changes shape, the residual just keeps falling).
    if not 0 < best < len(SCALES) - 1 or not residual(best) < BETTER * unscaled:
        return None
    a, b, c = residual(best - 1), residual(best), residual(best + 1)  # the parabola through the best and its neighbours
    bend = a - 2 * b + c
    # A window pixel is 1 / (scale shrink) pixels of `before`.
    dx, dy = ((v - SHIFT_PX) / (SCALES[best] * shrink) for v in shifts[best])
    return SCALES[best] + (0.5 * (a - c) / bend * STEP if bend > 0 else 0.0), (dx, dy)


def _sampled(image: np.ndarray, cx: float, cy: float, step: float, tw: int, th: int, pad: int) -> np.ndarray:
    """`image` sampled on a (tw + 2 pad) x (th + 2 pad) grid of spacing `step` centred on (cx, cy)."""
    m = np.float32([[step, 0, cx - step * (pad + (tw - 1) / 2.0)], [0, step, cy - step * (pad + (th - 1) / 2.0)]])
    return cv2.warpAffine(image, m, (tw + 2 * pad, th + 2 * pad), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)


def scale_tau(scale: float | None, lag_s: float) -> float:
    """The time to contact now of a thing closing at a steady speed whose image grew by `scale`
    over the last `lag_s` seconds (inf: not growing)."""
    if scale is None or scale <= 1.0 or lag_s <= 0:
        return math.inf
    return lag_s / (scale - 1.0)
