"""The camera frame's 2x2-mean half, made once a frame for every part that area-shrinks it.

Area-shrinking a full frame by a factor that is not whole (848x480 to 160 px or to 48x48) takes
OpenCV's fractional path, ~0.8 ms a frame on the gopro walk, paid again by each part that asks
for its own size. Halving first by 2x2 means is OpenCV's whole-factor path (~0.1 ms), and the
half then shrinks in about a quarter of the time. Each output pixel still averages the same
area of the frame, the weights at its edges rounded to half-source-pixel steps (gopro walk: the
48x48 within 1 grey level of the direct shrink for 99.7% of values, at most 4; +0.12 on average
from the halving's rounding up).

The half is shared between threads (perception's frame history on the event loop, the world
model's pixel step beside it) through a small cache keyed on the frame's pixel array, so the
first part to ask makes it and the others take it.
"""

from __future__ import annotations

import threading
import weakref

import cv2
import numpy as np

HALVE_FIRST = 4  # a frame at least this many times the wanted size each way is halved first
_KEPT = 4  # halves kept: the newest frames of a tick or two (perception reads a few at once)

_lock = threading.Lock()
_halves: dict[int, tuple[weakref.ref, np.ndarray]] = {}  # id(frame pixels) -> (the pixels, their half)


def halves_first(shape: tuple[int, ...], size: tuple[int, int]) -> bool:
    """Whether a frame of `shape` (h, w, ...) shrunk to `size` (w, h) is made from its half: the
    frame is at least HALVE_FIRST times the size each way, its sides are even (the half is exact),
    and the size does not divide it (a whole factor is already OpenCV's fast path)."""
    h, w = shape[:2]
    tw, th = size
    return (w >= HALVE_FIRST * tw and h >= HALVE_FIRST * th and h % 2 == 0 and w % 2 == 0
            and bool(w % tw or h % th))


def half(image: np.ndarray) -> np.ndarray:
    """`image`'s 2x2-mean half (OpenCV's area path; uint8 rounds half up), made once per pixel
    array and shared. The caller must not write into it."""
    key = id(image)
    # Made under the lock: a part that asks while another is making this frame's half waits for
    # it (~0.1 ms) rather than making it a second time.
    with _lock:
        kept = _halves.get(key)
        if kept is not None and kept[0]() is image:  # the id may be a newer array's: check it is the same
            return kept[1]
        h, w = image.shape[:2]
        made = cv2.resize(image, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        made.flags.writeable = False  # shared between parts and threads
        _halves[key] = (weakref.ref(image), made)
        while len(_halves) > _KEPT:
            del _halves[next(iter(_halves))]  # the oldest first (dicts keep insertion order)
        return made


def area_shrink(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`image` area-shrunk to `size` (w, h), from its shared half where `halves_first` says so."""
    source = half(image) if halves_first(image.shape, size) else image
    return cv2.resize(source, size, interpolation=cv2.INTER_AREA)
