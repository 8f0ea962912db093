"""Faces are blurred before any frame is kept.

Frames are kept only when the wearer opts in (see `MemoryStore(keep_frames=True)`), and even
then no face is written as it was seen. Detection uses OpenCV's bundled Haar cascades: two
frontal ones and the profile one, the profile run on the mirrored image as well (the cascade
only knows faces turned one way). The settings lean to recall: a false alarm blurs a patch of
a thumbnail, a miss keeps a bystander's face. Haar cascades still miss faces (small, tilted,
dark); that limit is why frames are off by default.

Each face box is enlarged (hair, ears, chin) and then destroyed rather than softened: the region
is averaged down to a few pixels across, which keeps too little to recognise anyone and cannot
be undone, and smoothed back up so the thumbnail shows a soft patch, not a mosaic.

cv2 is imported here only, and lazily by the store, so writing memory does not load it.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from glasses_agent.memory.errors import InvalidValueError, MemoryStoreError

FRONTAL_CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_frontalface_alt2.xml")
PROFILE_CASCADE = "haarcascade_profileface.xml"
ENLARGE = 0.25  # each side of a face box grows by this fraction of its size
CELLS_ACROSS = 6  # what is left of a face: about this many averaged pixels across

_lock = threading.Lock()  # CascadeClassifier objects are not documented as thread-safe
_cascades: dict[str, cv2.CascadeClassifier] = {}

Box = tuple[int, int, int, int]


def _cascade(name: str) -> cv2.CascadeClassifier:
    if name not in _cascades:
        folder = getattr(getattr(cv2, "data", None), "haarcascades", None)
        classifier = cv2.CascadeClassifier(f"{folder}{name}") if folder else None
        if classifier is None or classifier.empty():
            # Fail closed: without a detector no frame may be kept.
            raise MemoryStoreError(
                f"face detector {name} is missing from this OpenCV (needs opencv-python-headless<5); refusing to keep frames"
            )
        _cascades[name] = classifier
    return _cascades[name]


def check_rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8 or min(image.shape[:2]) < 1:
        raise InvalidValueError(f"expected an HxWx3 uint8 RGB image, got {image.dtype} {image.shape}")
    return np.ascontiguousarray(image)


def detect_faces(image_rgb: np.ndarray) -> list[Box]:
    """Face boxes (x, y, w, h) in pixels, frontal and profile, possibly overlapping."""
    image_rgb = check_rgb(image_rgb)
    gray = cv2.equalizeHist(cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY))
    width = gray.shape[1]
    boxes: list[Box] = []
    with _lock:
        for name in FRONTAL_CASCADES:
            found = _cascade(name).detectMultiScale(gray, scaleFactor=1.1, minNeighbors=3)
            boxes += [tuple(int(v) for v in b) for b in found]
        profile = _cascade(PROFILE_CASCADE)
        boxes += [tuple(int(v) for v in b) for b in profile.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=3)]
        mirrored = profile.detectMultiScale(np.ascontiguousarray(gray[:, ::-1]), scaleFactor=1.1, minNeighbors=3)
        boxes += [(width - int(x) - int(w), int(y), int(w), int(h)) for x, y, w, h in mirrored]
    return boxes  # type: ignore[return-value]


def enlarge(box: Box, shape: tuple[int, ...], factor: float = ENLARGE) -> Box:
    """The box grown by `factor` of its size on each side, clipped to the image."""
    x, y, w, h = box
    dx, dy = int(round(w * factor)), int(round(h * factor))
    x0, y0 = max(0, x - dx), max(0, y - dy)
    x1, y1 = min(shape[1], x + w + dx), min(shape[0], y + h + dy)
    return x0, y0, x1 - x0, y1 - y0


def obliterate(image: np.ndarray, box: Box) -> None:
    """Replace the region in place by a few averaged cells, smoothed: unrecognisable, no mosaic."""
    x, y, w, h = box
    if w < 2 or h < 2:
        return
    region = image[y : y + h, x : x + w]
    cells_x = max(1, min(CELLS_ACROSS, w // 4))
    cells_y = max(1, min(CELLS_ACROSS, h // 4))
    small = cv2.resize(region, (cells_x, cells_y), interpolation=cv2.INTER_AREA)
    smooth = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    sigma = max(w, h) / 8.0
    region[:] = cv2.GaussianBlur(smooth, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REPLICATE)


def blur_faces(image_rgb: np.ndarray) -> tuple[np.ndarray, list[Box]]:
    """A copy of the image with every detected face destroyed, and the (enlarged) boxes it blurred."""
    image = check_rgb(image_rgb).copy()
    boxes = [enlarge(b, image.shape) for b in detect_faces(image)]
    for box in boxes:
        obliterate(image, box)
    return image, boxes


def encode_thumbnail(image_rgb: np.ndarray, max_side: int | None = 640, quality: int = 85) -> tuple[bytes, int, int]:
    """JPEG bytes (and width, height) of an already blurred image, shrunk to `max_side`."""
    image = check_rgb(image_rgb)
    h, w = image.shape[:2]
    if max_side is not None and max(h, w) > max_side:
        scale = max_side / max(h, w)
        image = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        h, w = image.shape[:2]
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise MemoryStoreError("could not encode the thumbnail as JPEG")
    return data.tobytes(), w, h


def decode_thumbnail(jpeg: bytes) -> np.ndarray:
    """A stored thumbnail back as HxWx3 uint8 RGB."""
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise MemoryStoreError("a stored thumbnail is not a readable JPEG")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
