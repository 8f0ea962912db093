"""People present: a count of frontal faces from OpenCV's bundled Haar cascade. Never who.

Faces are counted, their boxes are not kept beyond this tick's record, and nothing about them is
compared with anything remembered: the detector cannot identify anyone by construction.
"""

from __future__ import annotations

import cv2
import numpy as np

from glasses_agent.errors import GlassesAgentError

CASCADE = "haarcascade_frontalface_default.xml"


class PeopleCounter:
    """Counts faces with OpenCV's Haar cascade (never who): how many and where across the view."""

    def __init__(self, min_face_px: int = 24) -> None:
        path = cv2.data.haarcascades + CASCADE  # type: ignore[attr-defined]
        self._cascade = cv2.CascadeClassifier(path)
        if self._cascade.empty():
            raise GlassesAgentError(f"OpenCV's face cascade is missing ({path}); install opencv-python-headless<5")
        self.min_face_px = min_face_px

    def count(self, gray: np.ndarray) -> tuple[int, tuple[float, ...]]:
        """How many faces, and the x (0..1) of each, left to right."""
        if gray.size == 0 or min(gray.shape[:2]) < self.min_face_px:
            return 0, ()
        faces = self._cascade.detectMultiScale(
            cv2.equalizeHist(gray), scaleFactor=1.2, minNeighbors=6, minSize=(self.min_face_px, self.min_face_px)
        )
        width = gray.shape[1]
        xs = sorted(float(x + w / 2) / width for x, y, w, h in faces) if len(faces) else []
        return len(xs), tuple(xs)
