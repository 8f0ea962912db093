"""Carrying a frame by the head's motion (egomotion.warp_by_homography): what comes in from outside."""

from __future__ import annotations

import cv2
import numpy as np

from glasses_agent.world_model.egomotion import warp_by_homography

SHIFT_RIGHT_2 = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def test_a_nan_border_marks_what_the_frame_before_did_not_show():
    before = np.arange(48, dtype=np.float32).reshape(6, 8)
    seen = warp_by_homography(before, SHIFT_RIGHT_2, cv2.BORDER_CONSTANT, float("nan"))
    assert np.isnan(seen[:, :2]).all()
    # The bilinear read of the last row takes in the row past it (at no weight): NaN too, so unknown.
    assert np.array_equal(seen[:-1, 2:], before[:-1, :-2]) and np.isnan(seen[-1]).all()


def test_the_default_border_repeats_the_edge_and_a_size_crops_the_frame_it_lands_in():
    before = np.arange(48, dtype=np.float32).reshape(6, 8)
    assert np.array_equal(warp_by_homography(before, SHIFT_RIGHT_2)[:, 0], before[:, 0])
    assert warp_by_homography(before, SHIFT_RIGHT_2, size=(5, 4)).shape == (4, 5)
