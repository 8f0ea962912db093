"""The camera frame's shared 2x2-mean half (`frame_half`): the world model's work frame and perception's
square frame are shrunk from it where the shrink is by a fraction, made once a frame, and what each
part sees stays the area average of the frame within rounding."""

from __future__ import annotations

import cv2
import numpy as np

from glasses_agent import frame_half
from glasses_agent.world_model.foreground import WORK_WIDTH, BackgroundModel


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


def _direct_work_image(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    small = cv2.resize(image, (WORK_WIDTH, round(h * WORK_WIDTH / w)), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small.astype(np.float32), (3, 3), 0)


def test_the_world_models_work_frame_of_a_gopro_frame_is_its_area_average_within_rounding(shared_data):
    frames = _frames(shared_data, "gopro_max-heromode.mp4", 12)
    assert frames and frames[0].shape[:2] == (480, 848)
    diffs = np.concatenate([(BackgroundModel.work_image(f) - _direct_work_image(f)).ravel() for f in frames])
    assert np.abs(diffs).max() <= 8  # edges weighed in half-pixel steps
    assert (np.abs(diffs) <= 1).mean() >= 0.95 and (np.abs(diffs) <= 2).mean() >= 0.99
    assert abs(diffs.mean()) < 0.25  # no visible change of brightness


def test_frames_the_work_width_divides_or_small_ones_are_shrunk_directly():
    rng = np.random.default_rng(0)
    for h, w in ((360, 640), (720, 1280), (480, 640), (240, 320), (431, 848)):  # the last: an odd side
        image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        assert np.array_equal(BackgroundModel.work_image(image), _direct_work_image(image)), (h, w)


def test_the_half_is_made_once_a_frame_and_shared():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (480, 848, 3), dtype=np.uint8)
    first = frame_half.half(image)
    assert frame_half.half(image) is first  # the second part to ask takes the first one's half
    assert not first.flags.writeable  # shared: no part may write into another's input
    assert np.array_equal(first, cv2.resize(image, (424, 240), interpolation=cv2.INTER_AREA))
    other = image.copy()  # another frame with the same pixels is a frame of its own
    assert frame_half.half(other) is not first
    assert np.array_equal(frame_half.half(other), first)
