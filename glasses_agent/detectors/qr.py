"""QR codes with OpenCV's built-in detector (no model files): what they say and where."""

from __future__ import annotations

import cv2
import numpy as np


class QrReader:
    """Reads QR codes with OpenCV: decoded texts and where across the view."""

    def __init__(self) -> None:
        self._detector = cv2.QRCodeDetector()

    def read(self, gray: np.ndarray) -> tuple[tuple[str, float], ...]:
        """Decoded texts with the x (0..1) of each code's centre; empty when none is readable."""
        if gray.size == 0:
            return ()
        try:
            ok, texts, points, _ = self._detector.detectAndDecodeMulti(gray)
        except cv2.error:
            return ()
        if not ok or points is None:
            return ()
        width = gray.shape[1]
        found = []
        for text, quad in zip(texts, points):
            if text:
                found.append((str(text), float(np.mean(quad[:, 0])) / width))
        return tuple(sorted(found))
