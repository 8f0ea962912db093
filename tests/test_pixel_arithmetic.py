"""The world model's per-pixel arithmetic, written for speed, gives the plain numpy formulas' results
bit for bit (the surprise scores, tracks and golden traces rest on them)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from glasses_agent.world_model import pixel_error as px
from glasses_agent.world_model.egomotion import Motion
from glasses_agent.world_model.flow_moves import float32_hypot, splat_forward
from glasses_agent.world_model.foreground import colour_distance


def _plain_colour_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(((a.astype(np.float32) - b.astype(np.float32)) ** 2).sum(axis=-1))


@pytest.mark.parametrize("shape", [(90, 160, 3), (37, 3), (3,), (12, 20, 2)])
def test_colour_distance_is_the_plain_formula_bit_for_bit(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(7)
    for scale in (1.0, 255.0, 4000.0):
        a = (rng.random(shape) * scale).astype(np.float32)
        b = (rng.random(shape) * scale).astype(np.float32)
        assert colour_distance(a, b).tobytes() == _plain_colour_distance(a, b).tobytes()
    pixels = rng.integers(0, 256, shape, dtype=np.uint8)  # 8-bit pixels against a float colour
    colour = (rng.random(shape[-1]) * 255).astype(np.float32)
    assert colour_distance(pixels, colour).tobytes() == _plain_colour_distance(pixels, colour).tobytes()


def _plain_splat(image: np.ndarray, displacement: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel by pixel, slowest first, so the fastest one landing on a place is the one left there."""
    h, w = image.shape[:2]
    prediction, known = np.zeros_like(image), np.zeros((h, w), bool)
    moves = []
    for y in range(h):
        for x in range(w):
            tx, ty = int(np.rint(displacement[y, x, 0] + x)), int(np.rint(displacement[y, x, 1] + y))
            if 0 <= tx < w and 0 <= ty < h:
                speed = np.hypot(displacement[y, x, 0], displacement[y, x, 1])
                moves.append((min(int(np.rint(10.0 * speed)), 32767), y * w + x, ty, tx, y, x))
    for *_, ty, tx, y, x in sorted(moves):  # by speed key, then scan order: a stable sort's order
        prediction[ty, tx] = image[y, x]
        known[ty, tx] = True
    return prediction, known


def test_splat_forward_is_the_pixel_by_pixel_splat() -> None:
    rng = np.random.default_rng(3)
    image = (rng.random((24, 32, 3)) * 255).astype(np.float32)
    # Whole-pixel and fractional moves, some off the frame, many landing on the same places.
    displacement = np.round(rng.normal(0, 3, (24, 32, 2)) * 2) / 2
    displacement[8:14, 10:20] = (4.3, -1.2)
    predicted, known = splat_forward(image, displacement.astype(np.float32))
    expected, expected_known = _plain_splat(image, displacement.astype(np.float32))
    assert np.array_equal(known, expected_known)
    assert predicted.tobytes() == expected.tobytes()


def test_the_judges_range_tests_and_relighting_are_the_plain_formulas() -> None:
    rng = np.random.default_rng(11)
    seen = (rng.random((30, 40, 3)) * 255).astype(np.float32)
    guess = np.clip(seen + rng.normal(0, 12, seen.shape), 0, 255).astype(np.float32)
    ranges = px.channel_ranges(seen)
    plain = []

    def low_high(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # each pixel's range within a pixel
        p = np.ascontiguousarray(p)
        return cv2.erode(p, np.ones((3, 3), np.uint8)), cv2.dilate(p, np.ones((3, 3), np.uint8))

    for c, noise in enumerate(px.NOISES):
        s_low, s_high = low_high(seen[..., c])
        g_low, g_high = low_high(guess[..., c])
        seen_outside = np.maximum(0.0, np.maximum(seen[..., c] - g_high, g_low - seen[..., c]))
        guess_outside = np.maximum(0.0, np.maximum(guess[..., c] - s_high, s_low - guess[..., c]))
        plain.append(np.minimum(seen_outside, guess_outside) / noise)
    assert px.range_error(ranges, guess).tobytes() == np.max(plain, axis=0).tobytes()
    for light in ((1.0, 0.0, np.zeros(2, np.float32)), (1.07, np.float64(-3.2), np.float32([1.5, -0.25]))):
        gain, offset, shift = light
        relit = guess + np.array([0.0, *shift], np.float32)
        relit[..., 0] = guess[..., 0] * gain + offset
        assert px.relit(guess, light).tobytes() == relit.tobytes()


def test_the_splat_orders_speed_is_numpys_hypot_bit_for_bit() -> None:
    # The splat's order rests on each pixel's speed to a tenth of a pixel: a speed one float step
    # off could move a pixel across a key's rounding boundary.
    rng = np.random.default_rng(5)
    for scale in (0.01, 1.0, 7.0, 300.0, 1e4):
        x = rng.normal(0, scale, (90, 160)).astype(np.float32)
        y = rng.normal(0, scale, (90, 160)).astype(np.float32)
        x[::7] = 0.0
        y[:, ::5] = -0.0
        assert float32_hypot(x, y).tobytes() == np.hypot(x, y).tobytes()
    quarters = np.arange(-400, 400, dtype=np.float32) / 4  # halves and quarters: the keys' rounding edges
    x, y = np.meshgrid(quarters, quarters[::3])
    assert float32_hypot(x, y).tobytes() == np.hypot(x, y).tobytes()


def test_a_motion_scaled_to_its_own_width_is_the_matrix_product_bit_for_bit() -> None:
    rng = np.random.default_rng(9)
    for _ in range(500):
        homography = rng.normal(0, 1, (3, 3))
        zeros = rng.random((3, 3)) < 0.4  # a gyro's homography has zeros, some of them -0.0
        homography[zeros] = rng.choice([0.0, -0.0], int(zeros.sum()))
        motion = Motion(homography, 20, 3, True, 0.1, 160, "image", rng.normal(0, 40, (4, 2)).astype(np.float32))
        scale = np.diag([1.0, 1.0, 1.0])
        plain = scale @ homography @ np.linalg.inv(scale)
        scaled = motion.scaled(160)
        assert scaled.homography.tobytes() == plain.tobytes()
        assert scaled.outlier_points.tobytes() == (motion.outlier_points * 1.0).tobytes()
