"""A real photograph with a face, for the privacy tests (face blur, refusing to enroll a face).

scikit-image (a dev dependency) ships NASA's public-domain portrait of astronaut Eileen Collins
inside its wheel; Debian's opencv-doc ships messi5.jpg. The file is read with OpenCV, so
scikit-image itself is never imported.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np


def face_photo_paths() -> list[Path]:
    paths = [Path("/usr/share/doc/opencv-doc/examples/data/messi5.jpg")]
    spec = importlib.util.find_spec("skimage")
    if spec is not None and spec.origin:
        paths.insert(0, Path(spec.origin).parent / "data" / "astronaut.png")
    return paths


def load_face_photo() -> np.ndarray | None:
    """The first face photo found, as HxWx3 RGB, or None."""
    import cv2

    for path in face_photo_paths():
        if path.is_file():
            return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    return None
