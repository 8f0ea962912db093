"""A mover's look and where it is seen: what the hidden-mover channel and its rules both read.

A look is a thing's own pixels (offsets in its box) and their Lab colours, each widened by MATCH:
a pixel of the look is seen where the frame's range within a pixel holds its colour (a sub-pixel
shift or a soft edge is not a change). hidden_movers.py follows looks from tick to tick;
mover_rules.py asks the same windows whether a lost one is gone, changed or jumped.
"""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np

MOVING_PX_S = 10.0  # own speed (work px/s) over which a pixel is taken to move in the world
MATCH = 14.0  # Lab units outside a pixel's 3x3 range within which a pixel of the look is seen again
SEEN = 0.6  # share of its look seen again for a mover to be matched
GONE_MOVING = 0.2  # share of its look's place that moves, under which nothing of it moves there
_KERNEL = np.ones((3, 3), np.uint8)


class Look(Protocol):
    """A thing's look: its own pixels' offsets in its box (w, h) and their colours widened by MATCH."""

    xs: np.ndarray
    ys: np.ndarray
    size: tuple[int, int]
    lower: np.ndarray  # (N, 3) int16 Lab
    upper: np.ndarray


def carry(homography: np.ndarray | None, x: float, y: float) -> tuple[float, float]:
    """(x, y) carried by the head's motion into the newest frame (as it was, when not believed)."""
    if homography is None:
        return x, y
    p = homography @ np.array([x, y, 1.0])
    return float(p[0] / p[2]), float(p[1] / p[2])


class LookWindow:
    """What matching needs of a part of the frame (x0, y0 its corner): each Lab channel's range within
    a pixel (a sub-pixel shift or a soft edge is not a change), where things move, and where they
    move or changed colour since the last frame (warped by the head's motion). Made for the few
    pixels a look's search reads rather than for the whole frame."""

    def __init__(self, lab: np.ndarray, last: np.ndarray | None, head: np.ndarray | None,
                 own: np.ndarray | None, x0: int, y0: int, x1: int, y1: int) -> None:
        big_h, big_w = lab.shape[:2]
        # A pixel more each way, so the ranges inside are the whole frame's.
        self.x0, self.y0 = max(0, x0 - 1), max(0, y0 - 1)
        x1, y1 = min(big_w, x1 + 1), min(big_h, y1 + 1)
        crop = lab[self.y0:y1, self.x0:x1]
        # The work frame's Lab is whole 8-bit values: its ranges gathered as bytes, each pixel's three in a row.
        self.width = crop.shape[1]
        self.low = cv2.erode(crop, _KERNEL).astype(np.uint8).reshape(-1, 3)
        self.high = cv2.dilate(crop, _KERNEL).astype(np.uint8).reshape(-1, 3)
        if own is not None:
            o = own[self.y0:y1, self.x0:x1]
            self.moving = o[..., 0] ** 2 + o[..., 1] ** 2 >= MOVING_PX_S ** 2
        else:
            self.moving = np.zeros(crop.shape[:2], bool)
        self.arriving = self.moving.copy()
        if last is not None and last.shape == lab.shape:
            if head is not None:
                shift = np.array([[1.0, 0.0, -self.x0], [0.0, 1.0, -self.y0], [0.0, 0.0, 1.0]])
                before = cv2.warpPerspective(last, shift @ head, (crop.shape[1], crop.shape[0]), borderMode=cv2.BORDER_REPLICATE)
            else:
                before = last[self.y0:y1, self.x0:x1]
            self.arriving |= np.abs(crop - before).max(axis=2) > MATCH

    def shares(self, look: Look, corners: np.ndarray, big_w: int, big_h: int) -> tuple[np.ndarray, np.ndarray]:
        """For each corner (K, 2 ints) of the look's box: the share of the look seen again there, and
        the share of those seen that move or changed (a thing coming out does; what stands in front does not)."""
        seen, at = self.seen(look, corners, big_w, big_h)
        count = np.count_nonzero(seen, axis=1)
        moving = np.count_nonzero(seen & self.arriving.ravel()[at], axis=1) / np.maximum(count, 1)
        return count / len(look.xs), moving

    def seen(self, look: Look, corners: np.ndarray, big_w: int, big_h: int) -> tuple[np.ndarray, np.ndarray]:
        """For each corner (K, 2 ints) of the look's box: which pixels of the look are seen there (K, N),
        and their flat places in the window."""
        px = corners[:, :1] + look.xs[None, :]
        py = corners[:, 1:] + look.ys[None, :]
        inside = (px >= 0) & (px < big_w) & (py >= 0) & (py < big_h)
        at = (np.clip(py, 0, big_h - 1) - self.y0) * self.width + (np.clip(px, 0, big_w - 1) - self.x0)
        low, high = self.low[at], self.high[at]  # (K, N, 3)
        return np.all((look.upper >= low) & (look.lower <= high), axis=2) & inside, at

    def arriving_counts(self, look: Look) -> np.ndarray:
        """For each corner of the look's box in this window (window px), how many of the look's pixels
        would land where something moves or changed (a box reaching past the window counts nothing there)."""
        w, h = look.size
        kernel = np.zeros((h, w), np.float32)
        kernel[look.ys, look.xs] = 1.0
        # filter2D correlates with the kernel's anchor at its corner: each pixel gets the count of the box whose corner it is.
        return cv2.filter2D(self.arriving.view(np.uint8).astype(np.float32), -1, kernel, anchor=(0, 0),
                            borderType=cv2.BORDER_CONSTANT)

    def arriving_at(self, look: Look, x: int, y: int, big_w: int, big_h: int) -> np.ndarray:
        """Of the places of the look, its box's corner at (x, y): which move or changed colour."""
        return self.arriving[self._places(look, x, y, big_w, big_h)]

    def moving_share(self, look: Look, x: int, y: int, big_w: int, big_h: int) -> float:
        """The share of the places of the look, its box's corner at (x, y), where something moves."""
        return float(self.moving[self._places(look, x, y, big_w, big_h)].mean())

    def _places(self, look: Look, x: int, y: int, big_w: int, big_h: int) -> tuple[np.ndarray, np.ndarray]:
        """The window's (rows, columns) of the look with its box's corner at (x, y), kept in the frame."""
        return np.clip(look.ys + y, 0, big_h - 1) - self.y0, np.clip(look.xs + x, 0, big_w - 1) - self.x0


def offsets_along(velocity: tuple[float, float], along: float, across: float) -> np.ndarray:
    """Whole-pixel offsets within `along` px in the direction of `velocity` and `across` px across it."""
    speed = float(np.hypot(*velocity))
    ux, uy = (velocity[0] / speed, velocity[1] / speed) if speed > 0 else (1.0, 0.0)
    reach = int(np.ceil(along * max(abs(ux), abs(uy)) + across * max(abs(ux), abs(uy)))) + 1
    dx, dy = np.meshgrid(np.arange(-reach, reach + 1), np.arange(-reach, reach + 1))
    dx, dy = dx.ravel(), dy.ravel()
    keep = (np.abs(dx * ux + dy * uy) <= along + 0.5) & (np.abs(dy * ux - dx * uy) <= across + 0.5)
    return np.stack([dx[keep], dy[keep]], 1)
