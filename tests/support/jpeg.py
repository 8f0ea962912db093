"""Reference JPEG round trips for tests, straight from OpenCV (not through the project's codec),
so a test can compare what the project decodes with what OpenCV itself gives."""

from __future__ import annotations

import cv2
import numpy as np


def jpeg_of(image: np.ndarray, quality: int = 90) -> bytes:
    """RGB uint8 image -> JPEG bytes at `quality`."""
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def decode_rgb(jpeg: bytes) -> np.ndarray:
    """JPEG bytes -> RGB uint8, as OpenCV decodes them."""
    return cv2.cvtColor(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
