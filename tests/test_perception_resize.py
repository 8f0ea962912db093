"""The model's square frame from a camera frame (`resize_frame`): a large frame is halved first to save
the slow fractional area resize, and what the model sees stays the area average within rounding."""

from __future__ import annotations

import cv2
import numpy as np

from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.preprocess import resize_frame

SIZE = ModelConfig().image_size


def _frames(shared_data, clip: str, count: int) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(shared_data / "video" / clip))
    frames = []
    while len(frames) < count:
        ok, bgr = capture.read()
        if not ok:
            break
        for _ in range(4):  # frames a few apart: different views
            capture.grab()
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    capture.release()
    return frames


def test_a_gopro_frame_reduced_for_the_model_is_its_area_average_within_rounding(shared_data):
    frames = _frames(shared_data, "gopro_max-heromode.mp4", 12)
    assert frames and frames[0].shape[:2] == (480, 848)
    diffs = np.concatenate([
        (resize_frame(f, SIZE).astype(int) - cv2.resize(f, (SIZE, SIZE), interpolation=cv2.INTER_AREA).astype(int)).ravel()
        for f in frames])
    assert np.abs(diffs).max() <= 6  # edges weighed in half-pixel steps
    assert (np.abs(diffs) <= 1).mean() >= 0.99
    assert abs(diffs.mean()) < 0.25  # no visible change of brightness


def test_frames_that_divide_by_the_size_are_small_or_odd_are_reduced_directly():
    rng = np.random.default_rng(0)
    for h, w in ((SIZE * 12, SIZE * 16), (SIZE * 2, SIZE * 3 + 1), (SIZE + 3, SIZE * 5), (SIZE * 4 + 1, SIZE * 6 + 2)):
        image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        assert np.array_equal(resize_frame(image, SIZE), cv2.resize(image, (SIZE, SIZE), interpolation=cv2.INTER_AREA))
