"""The judge's flown object: `Approach`, a thing coming at the wearer at a steady speed.

Its image grows as a real thing's does as it comes closer (size = k / time to contact), so the
time to contact the hazard cue must read is known exactly at every tick; it is painted as a disc
of flat colour or of a real image crop, with a soft rim that grows and moves smoothly.
`eval hazards` flies it over the shared clips; the scenario suite over generated scenes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from glasses_agent.memory.describe import clock_hour
from glasses_agent.scoring.overlays import Expected, Overlay, seconds_ns


def disc_coverage(cx: float, cy: float, r: float, box: tuple[int, int]) -> np.ndarray:
    """How much of each pixel of a `box` (w, h) a disc of radius `r` centred at (`cx`, `cy`) covers
    (0..1, float32; pixel (i, j) is centred at (i, j), as cv2 draws): 1 inside, 0 outside, a one-pixel
    linear ramp across the rim. It grows smoothly with `r` and moves smoothly with the centre: a
    thing coming closer grows smoothly, and so must its painting (a whole-pixel radius made a small
    disc's size step 4-9% every other tick, which no real edge does). Its sum is the disc's area:
    the ramp adds pi/12 px^2 to a disc of its middle radius, so that radius is taken that much smaller."""
    ramp_r = math.sqrt(max(r * r - 1.0 / 12.0, 0.0))
    ys, xs = np.ogrid[0:box[1], 0:box[0]]
    dist = np.sqrt((xs - np.float32(cx)) ** 2 + (ys - np.float32(cy)) ** 2, dtype=np.float32)
    return np.clip(np.float32(ramp_r + 0.5) - dist, 0.0, 1.0)


def _scaled_onto(texture: np.ndarray, side: float, origin: tuple[float, float], box: tuple[int, int]) -> np.ndarray:
    """`texture` scaled to a square of `side` px (fractional) whose corner lies at `origin` (px, fractional)
    in a `box` (w, h) of pixels: first shrunk by whole pixels with area averaging (no aliasing when
    a big crop paints a small disc), then placed to the sub-pixel by one affine warp."""
    th, tw = texture.shape[:2]
    whole = max(2, math.ceil(side))
    if whole < min(th, tw):
        texture = cv2.resize(texture, (whole, whole), interpolation=cv2.INTER_AREA)
        th, tw = texture.shape[:2]
    # Pixel centres map to pixel centres: u_box + 0.5 = origin + (u_tex + 0.5) * scale.
    sx, sy = side / tw, side / th
    m = np.float32([[sx, 0, origin[0] + 0.5 * sx - 0.5], [0, sy, origin[1] + 0.5 * sy - 0.5]])
    return cv2.warpAffine(texture, m, box, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


@dataclass(frozen=True)
class Approach(Overlay):
    """Something flown at the wearer at a steady speed: its image size is `k / (contact_s - t)`
    (a thing of width W at distance Z closing at speed v has angular size ~ W / Z = (W / v) / tau),
    so its time to contact is exactly `contact_s - t`: the ground truth the hazard is judged on.

    Painted from `start_s` until it fills `max_size` of the view's height (or `contact_s`), as a
    disc of flat `color` or, with `texture`, a real image crop (any RGB array) scaled to size;
    it drifts from `x0` to `x1` (and `y0` to `y1`) as it comes.
    """

    start_s: float
    contact_s: float
    k: float = 0.3  # its size (fraction of view height) when 1 s from contact
    x0: float = 0.5
    x1: float = 0.5
    y0: float = 0.5
    y1: float = 0.5
    color: tuple[int, int, int] = (30, 30, 36)
    texture: np.ndarray | None = field(default=None, repr=False, compare=False)
    max_size: float = 0.9
    tau_warn_s: float = 2.0  # the hazard is due once the time to contact falls under this

    @property
    def end_s(self) -> float:  # type: ignore[override]
        # The size reaches max_size when contact_s - t = k / max_size.
        return max(self.start_s, self.contact_s - self.k / self.max_size)

    def at(self, t_s: float) -> tuple[float, float, float]:
        """(x, y, size) at stream time t_s."""
        span = max(1e-6, self.end_s - self.start_s)
        f = min(1.0, max(0.0, (t_s - self.start_s) / span))
        size = self.k / max(1e-3, self.contact_s - t_s)
        return self.x0 + (self.x1 - self.x0) * f, self.y0 + (self.y1 - self.y0) * f, size

    def paint(self, image: np.ndarray, t_s: float) -> np.ndarray:
        h, w = image.shape[:2]
        x, y, size = self.at(t_s)
        r = max(0.5, size * h / 2)
        cx, cy = x * w, y * h
        out = image.copy()
        # The disc's box, a pixel over on each side for the soft rim, clipped to the view.
        x0, y0 = max(0, math.floor(cx - r) - 1), max(0, math.floor(cy - r) - 1)
        x1, y1 = min(w, math.ceil(cx + r) + 2), min(h, math.ceil(cy + r) + 2)
        if x1 <= x0 or y1 <= y0:
            return out
        m = disc_coverage(cx - x0, cy - y0, r, (x1 - x0, y1 - y0))[..., None]
        if self.texture is None:
            ink = np.float32(self.color)
        else:
            ink = _scaled_onto(self.texture, 2 * r, (cx - r - x0, cy - r - y0), (x1 - x0, y1 - y0)).astype(np.float32)
        region = out[y0:y1, x0:x1].astype(np.float32)
        out[y0:y1, x0:x1] = (ink * m + region * (1 - m) + 0.5).astype(np.uint8)
        return out

    def warn_s(self) -> float:
        """When the time to contact first falls under tau_warn_s while it is in view."""
        return max(self.start_s, self.contact_s - self.tau_warn_s)

    def expected(self) -> list[Expected]:
        onset = self.warn_s()
        track = tuple((seconds_ns(t), clock_hour(self.at(t)[0])) for t in np.arange(onset, self.end_s + 0.5, 0.1))
        # A warning up to a second before is early, not false (as `eval hazards` counts it).
        return [Expected("hazard", seconds_ns(onset), seconds_ns(self.end_s + 1.0), clock_track=track,
                         what="object flown at wearer", early_ns=seconds_ns(max(self.start_s, onset - 1.0)))]
