"""Where a hidden mover's look is seen in a frame (hidden_movers.py follows the movers; this matches them).

A mover's look is its own pixels (offsets in its box) and their Lab colours. A pixel of it is seen
again where the frame's range within a pixel (a sub-pixel shift or a soft edge is not a change),
widened by MATCH, holds its colour. Matching reads a small window around each search (the look's
ranges, where things move, where they move or changed colour since the last frame) rather than the
whole frame. A look's own pixels are those over OWN_COLOUR from the median colour of the ring
around it: how a seed is cut to its outline, and how a look that stopped is told from the
background or a cover that matches it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import cv2
import numpy as np

from glasses_agent.world_model.egomotion import warp_by_homography
from glasses_agent.world_model.extrapolation import moves_in_world

RING_PX = 2  # the ring around a seed whose colours are the background's
OWN_COLOUR = 20.0  # Lab distance from the ring's median over which a seed's pixel is the thing's own
MATCH = 14.0  # Lab units outside a pixel's 3x3 range within which a pixel of the look is seen again
_KERNEL = np.ones((3, 3), np.uint8)


class Look(Protocol):
    """What matching reads of a mover: its look's own pixels (offsets in its box), their colours
    widened by MATCH (int16 Lab, (N, 3)), its box (w, h) and its velocity (px/s, its search's direction)."""

    xs: np.ndarray
    ys: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    size: tuple[int, int]
    velocity: tuple[float, float]


class Window:
    """What matching needs of a part of the frame (x0, y0 its corner): each Lab channel's range within
    a pixel (a sub-pixel shift or a soft edge is not a change), where things move, and where they
    move or changed colour since the last frame (warped by the head's motion). Made for the few
    pixels a mover's search reads rather than for the whole frame."""

    def __init__(self, lab: np.ndarray, last: np.ndarray | None, head: np.ndarray | None,
                 own: np.ndarray | None, x0: int, y0: int, x1: int, y1: int) -> None:
        big_h, big_w = lab.shape[:2]
        # A pixel more each way, so the ranges inside are the whole frame's.
        self.x0, self.y0 = max(0, x0 - 1), max(0, y0 - 1)
        x1, y1 = min(big_w, x1 + 1), min(big_h, y1 + 1)
        crop = lab[self.y0:y1, self.x0:x1]
        # The work frame's Lab is whole 8-bit values: its ranges kept as bytes, one row of the window's
        # pixels a channel (3, pixels), so that matching gathers and compares a channel at a time.
        self.width = crop.shape[1]
        self.low = np.ascontiguousarray(cv2.erode(crop, _KERNEL).astype(np.uint8).reshape(-1, 3).T)
        self.high = np.ascontiguousarray(cv2.dilate(crop, _KERNEL).astype(np.uint8).reshape(-1, 3).T)
        if own is not None:
            self.moving = moves_in_world(own[self.y0:y1, self.x0:x1])
        else:
            self.moving = np.zeros(crop.shape[:2], bool)
        self.arriving = self.moving.copy()
        if last is not None and last.shape == lab.shape:
            if head is not None:
                shift = np.array([[1.0, 0.0, -self.x0], [0.0, 1.0, -self.y0], [0.0, 0.0, 1.0]])
                before = warp_by_homography(last, shift @ head, size=(crop.shape[1], crop.shape[0]))
            else:
                before = last[self.y0:y1, self.x0:x1]
            change = np.abs(crop - before)
            # The largest of the three channels' changes, a channel at a time (numpy's max over so
            # short an axis cost ~5x as much); the same values.
            self.arriving |= np.maximum(np.maximum(change[..., 0], change[..., 1]), change[..., 2]) > MATCH

    def shares(self, mover: Look, corners: np.ndarray, big_w: int, big_h: int) -> tuple[np.ndarray, np.ndarray]:
        """For each corner (K, 2 ints) of the mover's box: the share of its look seen again there, and
        the share of those seen that move or changed (a thing coming out does; what stands in front does not)."""
        # A channel at a time on (K, N) planes, in 32-bit places: the same test as gathering (K, N, 3)
        # ranges and taking `all` over the channels, whose reduction over so short an axis, the
        # gather of pixel triples and the uint8 -> int16 casts were most of its cost (~510 -> ~150 us
        # a call, ~64 corners by ~190 pixels on the ASL clips).
        corners = corners.astype(np.int32)
        px = corners[:, :1] + mover.xs.astype(np.int32)[None, :]
        py = corners[:, 1:] + mover.ys.astype(np.int32)[None, :]
        seen = (px >= 0) & (px < big_w) & (py >= 0) & (py < big_h)
        at = (np.clip(py, 0, big_h - 1) - self.y0) * self.width + (np.clip(px, 0, big_w - 1) - self.x0)
        upper, lower = np.ascontiguousarray(mover.upper.T), np.ascontiguousarray(mover.lower.T)
        for c in range(3):
            seen &= upper[c] >= self.low[c].take(at)
            seen &= lower[c] <= self.high[c].take(at)
        count = np.count_nonzero(seen, axis=1)
        moving = np.count_nonzero(seen & self.arriving.ravel().take(at), axis=1) / np.maximum(count, 1)
        return count / len(mover.xs), moving

    def arriving_counts(self, mover: Look) -> np.ndarray:
        """For each corner of the mover's box in this window (window px), how many of its look's pixels
        would land where something moves or changed (a box reaching past the window counts nothing there)."""
        w, h = mover.size
        kernel = np.zeros((h, w), np.float32)
        kernel[mover.ys, mover.xs] = 1.0
        # filter2D correlates with the kernel's anchor at its corner: each pixel gets the count of the box whose corner it is.
        return cv2.filter2D(self.arriving.view(np.uint8).astype(np.float32), -1, kernel, anchor=(0, 0),
                            borderType=cv2.BORDER_CONSTANT)

    def arriving_at(self, mover: Look, x: int, y: int, big_w: int, big_h: int) -> np.ndarray:
        """Of the places of the mover's look, its box's corner at (x, y): which move or changed colour."""
        return self.arriving[self._places(mover, x, y, big_w, big_h)]

    def moving_share(self, mover: Look, x: int, y: int, big_w: int, big_h: int) -> float:
        """The share of the places of the mover's look, its box's corner at (x, y), where something moves."""
        return float(self.moving[self._places(mover, x, y, big_w, big_h)].mean())

    def _places(self, mover: Look, x: int, y: int, big_w: int, big_h: int) -> tuple[np.ndarray, np.ndarray]:
        """The window's (rows, columns) of the mover's look with its box's corner at (x, y), kept in the frame."""
        return np.clip(mover.ys + y, 0, big_h - 1) - self.y0, np.clip(mover.xs + x, 0, big_w - 1) - self.x0


def stands_out(lab: np.ndarray, mover: Look, x: int, y: int) -> bool:
    """Whether most of the mover's look at its box's corner (x, y) is unlike the ring around the box, as
    a thing that stopped there is; the background or a cover that matches the look is like its surroundings."""
    ring = ring_around(lab, mover.size, x, y)
    if not len(ring):
        return False
    return float(unlike_ring(look_at(lab, mover, x, y), ring).mean()) >= 0.5


def ring_around(lab: np.ndarray, size: tuple[int, int], x: int, y: int) -> np.ndarray:
    """The colours (N, 3 Lab) of the RING_PX ring around a box of `size` (w, h) at corner (x, y), kept in the frame."""
    big_h, big_w = lab.shape[:2]
    w, h = size
    x0, y0, x1, y1 = max(0, x - RING_PX), max(0, y - RING_PX), min(big_w, x + w + RING_PX), min(big_h, y + h + RING_PX)
    ring = np.ones((max(0, y1 - y0), max(0, x1 - x0)), bool)
    ring[max(0, y - y0):max(0, y + h - y0), max(0, x - x0):max(0, x + w - x0)] = False
    return lab[y0:y1, x0:x1][ring]


def look_at(lab: np.ndarray, mover: Look, x: int, y: int) -> np.ndarray:
    """The frame's colours (N, 3 Lab) at the places of the mover's look, its box's corner at (x, y), kept in the frame."""
    big_h, big_w = lab.shape[:2]
    return lab[np.clip(mover.ys + y, 0, big_h - 1), np.clip(mover.xs + x, 0, big_w - 1)]


def unlike_ring(look: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Which pixels of `look` (..., 3 Lab) lie over OWN_COLOUR from the median colour of the `ring`
    around them (N, 3 Lab): a thing's own pixels, not its surroundings' (a seed's, a look that stopped)."""
    return np.linalg.norm(look - np.median(ring, axis=0), axis=-1) > OWN_COLOUR


def search_offsets(velocity: tuple[float, float], along: float, across: float) -> np.ndarray:
    """Whole-pixel offsets within `along` px in the mover's direction and `across` px across it."""
    speed = float(np.hypot(*velocity))
    ux, uy = (velocity[0] / speed, velocity[1] / speed) if speed > 0 else (1.0, 0.0)
    reach = int(np.ceil(along * max(abs(ux), abs(uy)) + across * max(abs(ux), abs(uy)))) + 1
    dx, dy = _square(reach)
    keep = (np.abs(dx * ux + dy * uy) <= along + 0.5) & (np.abs(dy * ux - dx * uy) <= across + 0.5)
    return np.stack([dx[keep], dy[keep]], 1)


@lru_cache(maxsize=64)
def _square(reach: int) -> tuple[np.ndarray, np.ndarray]:
    """Every whole-pixel offset within `reach` each way, (dx, dy) flat in row order: made once a reach
    (np.meshgrid's own overhead was most of a search's offsets, ~60 us a call)."""
    dx, dy = np.meshgrid(np.arange(-reach, reach + 1), np.arange(-reach, reach + 1))
    dx, dy = dx.ravel(), dy.ravel()
    dx.flags.writeable = dy.flags.writeable = False
    return dx, dy


def best_place(lab: np.ndarray, last: np.ndarray | None, head: np.ndarray | None, own: np.ndarray | None,
                mover: Look, x: float, y: float, along: float, across: float,
                coming_out: float | None) -> tuple[float, float, int, int, Window, int, int]:
    """Where near (x, y) most of the mover's look is seen (nearest first among equals): the share
    seen, the share of those seen that move or changed, that corner, the window made for it and the
    corner (x, y) rounded. With `coming_out` (the share of its look a hidden mover must show to be
    back), only places where it could be coming out count: at least half of those seen move or changed."""
    big_h, big_w = lab.shape[:2]
    offsets = search_offsets(mover.velocity, along, across)
    xi, yi = int(round(x)), int(round(y))
    corners = offsets + np.array([xi, yi])
    w, h = mover.size
    lo = np.clip(corners.min(axis=0), 0, [big_w - 1, big_h - 1])
    hi = np.clip(corners.max(axis=0) + [w, h], 1, [big_w, big_h])
    window = Window(lab, last, head, own, int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1]))
    if coming_out is not None:
        # Only where enough of its look would land on pixels that move or changed can it be coming
        # out (`coming_out` seen, half of them arriving): counted for every corner at once.
        arriving = window.arriving_counts(mover)
        cx = np.clip(corners[:, 0] - window.x0, 0, arriving.shape[1] - 1)
        cy = np.clip(corners[:, 1] - window.y0, 0, arriving.shape[0] - 1)
        hopeful = arriving[cy, cx] >= 0.5 * coming_out * len(mover.xs)
        if not hopeful.any():
            return 0.0, 0.0, xi, yi, window, xi, yi
        offsets, corners = offsets[hopeful], corners[hopeful]
    shares, moving = window.shares(mover, corners, big_w, big_h)
    if coming_out is not None:
        shares = np.where(moving >= 0.5, shares, 0.0)
    k = int(np.lexsort((np.abs(offsets).sum(axis=1), -shares))[0])
    return float(shares[k]), float(moving[k]), int(corners[k, 0]), int(corners[k, 1]), window, xi, yi
