"""area_shrink: perception's per-tick 48x48 shrink halves exactly first, then area-resizes the
rest of the way; the detectors' shrinks stay one direct area resize (the region cue's even-colour
patches need the sharper edges: with halving first it noticed a disc over the gopro walk 0.7 s late)."""

from __future__ import annotations

import cv2
import numpy as np

from glasses_agent.detectors import shrink
from glasses_agent.perception.preprocess import resize_frame
from streams.images import area_shrink


def _scene(h: int = 480, w: int = 848, seed: int = 0) -> np.ndarray:
    """A camera-like frame: smooth shading, a few hard-edged blocks, sensor noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([(x * 255 // w), (y * 255 // h), ((x + y) * 127 // (w + h))], -1).astype(np.int16)
    for _ in range(6):
        x0, y0 = int(rng.integers(0, w - 80)), int(rng.integers(0, h - 60))
        img[y0 : y0 + 60, x0 : x0 + 80] = rng.integers(0, 256, 3)
    img += rng.integers(-6, 7, img.shape, dtype=np.int16)
    return np.clip(img, 0, 255).astype(np.uint8)


def test_shrinks_to_the_size_asked_with_the_direct_resize_average():
    img = _scene()
    for size in ((48, 48), (128, 72), (160, 90)):
        out = area_shrink(img, size)
        direct = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
        assert out.shape == (size[1], size[0], 3) and out.dtype == np.uint8
        diff = np.abs(out.astype(int) - direct.astype(int))
        # A softer footprint at hard edges only: the picture is the same.
        assert diff.mean() < 2.5, (size, diff.mean())
        assert abs(float(out.mean()) - float(direct.mean())) < 0.5


def test_halving_is_the_exact_two_by_two_mean():
    img = _scene(64, 96)
    out = area_shrink(img, (48, 32)).astype(int)
    blocks = img.reshape(32, 2, 48, 2, 3).astype(int).sum(axis=(1, 3))
    # OpenCV rounds the 2x2 mean to nearest (halves round up).
    assert np.array_equal(out, (blocks + 2) // 4)


def test_flat_image_stays_flat_and_odd_sizes_resize_directly():
    flat = np.full((480, 848, 3), 77, np.uint8)
    assert np.array_equal(area_shrink(flat, (128, 72)), np.full((72, 128, 3), 77, np.uint8))
    odd = _scene(479, 847)
    assert np.array_equal(area_shrink(odd, (128, 72)), cv2.resize(odd, (128, 72), interpolation=cv2.INTER_AREA))
    same = _scene(96, 96)[::2, ::2].copy()
    assert np.array_equal(area_shrink(same, (48, 48)), same)


def test_perception_shrinks_this_way_the_detectors_directly():
    img = _scene()
    assert np.array_equal(resize_frame(img, 48), area_shrink(img, (48, 48)))
    assert np.array_equal(shrink(img, 128), cv2.resize(img, (128, 72), interpolation=cv2.INTER_AREA))
