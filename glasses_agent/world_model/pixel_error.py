"""A frame against a guess of it, pixel by pixel, in the noise units of a compressed video frame.

The motion extrapolation (extrapolation.py) asks of each pixel whether what it foretold is there:
each Lab channel of the seen frame and of the guess is taken with its range within a pixel (so a
one-pixel misalignment of an edge is no error), the error is how far each lies outside the other's
range, in noise units, the largest channel's; and the light is fitted first (a lamp, a cloud, the
camera's exposure change the whole view at once: that is light, not a thing). Every step is written
for bit-for-bit equality with the plain numpy formulas (tests/test_pixel_arithmetic.py) at a
fraction of their passes over a work frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from glasses_agent.world_model.foreground import exact_median

NOISE_L = 6.0  # lightness noise of a compressed frame (8-bit Lab units)
NOISE_AB = 2.0  # ... and of its colour channels (video codecs keep less chroma detail, and less noise)
NOISES = (NOISE_L, NOISE_AB, NOISE_AB)
_NEIGHBOURS = np.ones((3, 3), np.uint8)


@dataclass(frozen=True)
class PixelRange:
    """What each pixel of one channel takes within a pixel of it: the lowest and the highest."""

    plane: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def of(cls, plane: np.ndarray) -> PixelRange:
        # A plane at a time: OpenCV's 3x3 erosion of one float plane is faster than of three at once.
        plane = np.ascontiguousarray(plane)
        return cls(plane, cv2.erode(plane, _NEIGHBOURS), cv2.dilate(plane, _NEIGHBOURS))

    def beyond(self, value: np.ndarray) -> np.ndarray:
        """How far each pixel of `value` lies outside this range, signed (at most 0 inside: how far
        within the nearer end): what a one-pixel misalignment cannot explain is its positive part."""
        # OpenCV's arithmetic on float32 planes gives numpy's results bit for bit, with a
        # fraction of its overhead per call on a work frame (this runs 12 times a tick).
        return cv2.max(cv2.subtract(value, self.high), cv2.subtract(self.low, value))


def channel_planes(image: np.ndarray) -> list[np.ndarray]:
    """An (H, W, C) image's channels, each a contiguous plane: the same as cv2.split, at under half
    its cost on a work frame (three times a tick)."""
    return [np.ascontiguousarray(image[..., c]) for c in range(image.shape[2])]


def channel_ranges(image: np.ndarray) -> list[PixelRange]:
    """Each Lab channel's range within a pixel."""
    return [PixelRange.of(plane) for plane in channel_planes(image)]


def range_error(seen: list[PixelRange], guess: np.ndarray) -> np.ndarray:
    """Per pixel, the largest channel's error of `guess` against `seen` (its `channel_ranges`), in noise
    units, both ways: the seen pixel outside the guess's range nearby, and the guessed one outside
    the seen range; a misaligned edge is inside both, a thing gone is not."""
    # Each channel's error signed (`PixelRange.beyond`), its positive part taken once for all three at
    # the end: that clamp (a max with 0) commutes with the min of the two ways, with the max over the
    # channels and with dividing by a positive noise, so the values are those of clamping each one,
    # at five passes over a work frame fewer (no plane holds a -0.0 for the orders to tell apart).
    # The two colour channels share their noise: the larger of the two divided once is the larger of
    # the two divided (dividing by a positive number keeps the order), one division fewer.
    signed = []
    for range_seen, plane in zip(seen, channel_planes(guess)):
        range_guess = PixelRange.of(plane)
        signed.append(cv2.min(range_guess.beyond(range_seen.plane), range_seen.beyond(range_guess.plane)))
    light, colour_a, colour_b = signed
    return cv2.max(cv2.max(light / NOISE_L, cv2.max(colour_a, colour_b) / NOISE_AB), 0.0)


def light_change(guess: np.ndarray, seen: np.ndarray, mask: np.ndarray) -> tuple[float, float, np.ndarray]:
    """How the light changed from `guess` to `seen`: lightness as a gain and an offset, colour as
    offsets, fitted over the pixels of `mask` that agree best (the half with the smallest lightness
    difference after a first fit, on every third pixel each way: a thing that broke its motion, or
    one looming over half the view, does not move the fit). A lamp going off, a cloud, the camera's
    exposure change the whole view at once; that is light, not a thing (the scenario suite's
    dimming rooms raised a surprise as the lights went down). Returns (gain, offset, colour shift)."""
    pick = np.flatnonzero(mask[::3, ::3])
    if len(pick) < 32:
        return 1.0, 0.0, np.zeros(2, np.float32)
    # The picked pixels by `take` on flat indices: the same pixels in the same order as a boolean
    # index of the strided frame, at about half its cost (~8 us each).
    g = guess[::3, ::3].reshape(-1, guess.shape[-1]).take(pick, axis=0).astype(np.float64)
    s = seen[::3, ::3].reshape(-1, seen.shape[-1]).take(pick, axis=0).astype(np.float64)
    g_light, s_light = g[:, 0], s[:, 0]
    keep = np.ones(len(g), bool)
    gain, offset = 1.0, 0.0
    for _ in range(2):
        g_kept, s_kept = g_light[keep], s_light[keep]  # taken once an iteration, not at each use
        gm, sm = g_kept.mean(), s_kept.mean()
        # The variance as numpy's `var` finds it (the squared offsets from the same mean, summed the
        # same way, over the count), its offsets kept for the covariance; the clip on a Python
        # number: the same values at a third of the calls on ~1600 pixels.
        g_off = g_kept - gm
        var = float((g_off * g_off).sum() / len(g_off))
        gain = min(max(float((g_off * (s_kept - sm)).mean() / var), 0.05), 20.0) if var > 0.25 else 1.0
        offset = sm - gain * gm
        residual = np.abs(s_light - (gain * g_light + offset))
        keep = residual <= exact_median(residual)
    # Each colour channel's median on its own contiguous differences (the same values as the median
    # down the columns of an (n, 2) array, which partitions in strides: ~6 us more).
    shift = np.array([exact_median(s[:, 1] - g[:, 1]), exact_median(s[:, 2] - g[:, 2])], np.float32)
    return gain, offset, shift


def relit(image: np.ndarray, light: tuple[float, float, np.ndarray]) -> np.ndarray:
    """`image` under the changed light (`light_change`'s result)."""
    gain, offset, shift = light
    # The colour offsets as OpenCV's per-channel scalar add (float32, numpy's sums bit for bit):
    # numpy's broadcast over a 3-long last axis cost three times as much.
    out = cv2.add(image, (0.0, float(shift[0]), float(shift[1]), 0.0))
    out[..., 0] = image[..., 0] * gain + offset
    return out
