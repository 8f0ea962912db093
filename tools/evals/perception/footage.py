"""Frames of the shared clips at given times, and soft-edged object crops pasted over them.

Deterministic: every draw comes from the caller's seeded generator; frames are read by seeking.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from glasses_agent.perception.errors import EmptyDatasetError

FRAME_WIDTH = 256  # composited frames: the clip's aspect, this wide (the encoder squashes to 48x48)


class Footage:
    """One video file: its length, and RGB frames at any time resized to FRAME_WIDTH wide."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            raise EmptyDatasetError(f"{self.path}: cannot open the video")
        self.fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        self.count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        w, h = cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)
        self.size = (FRAME_WIDTH, int(round(FRAME_WIDTH * h / w)))
        self.cap = cap
        self._cache: dict[int, np.ndarray] = {}

    @property
    def duration(self) -> float:
        return self.count / self.fps

    def frame(self, t: float) -> np.ndarray:
        """The frame shown at time t (seconds, clipped to the clip), RGB, FRAME_WIDTH wide."""
        index = int(np.clip(np.floor(t * self.fps), 0, self.count - 1))
        if index not in self._cache:
            self.cap.set(cv2.CAP_PROP_POS_FRAMES, index)
            ok, frame = self.cap.read()
            if not ok:  # some containers miss a seek near the end: the last readable frame stands in
                frame = self._last_good(index)
            self._cache[index] = cv2.resize(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), self.size, interpolation=cv2.INTER_AREA)
        return self._cache[index]

    def _last_good(self, index: int) -> np.ndarray:
        for back in range(1, 30):
            self.cap.set(cv2.CAP_PROP_POS_FRAMES, max(0, index - back))
            ok, frame = self.cap.read()
            if ok:
                return frame
        raise EmptyDatasetError(f"{self.path}: no frame readable near {index}")

    def clip(self, t: float, frames: int, rate: float) -> np.ndarray:
        """(frames, H, W, 3): the frames at the model's instants ending at t."""
        return np.stack([self.frame(t - (frames - 1 - k) / rate) for k in range(frames)])


def cut_object(frame: np.ndarray, rng: np.random.Generator, side: int, tries: int = 8) -> np.ndarray:
    """A side x side RGBA patch with a soft round edge, from the most textured of `tries` random places."""
    h, w = frame.shape[:2]
    best, best_std = None, -1.0
    for _ in range(tries):
        y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
        patch = frame[y:y + side, x:x + side]
        std = float(patch.std())
        if std > best_std:
            best, best_std = patch, std
    yy, xx = np.mgrid[0:side, 0:side]
    r = np.hypot(yy - (side - 1) / 2, xx - (side - 1) / 2) / (side / 2)
    alpha = np.clip((1.0 - r) / 0.15, 0, 1)[..., None]
    return np.concatenate([best.astype(np.float32), alpha.astype(np.float32) * 255], axis=2)


def transform_object(obj: np.ndarray, rng: np.random.Generator, *, turn: float, scale: tuple[float, float],
                     light: float) -> np.ndarray:
    """The object turned (in-plane rotation up to `turn` degrees, maybe mirrored), rescaled, relit."""
    side = obj.shape[0]
    angle = float(rng.uniform(-turn, turn))
    s = float(rng.uniform(*scale))
    m = cv2.getRotationMatrix2D(((side - 1) / 2, (side - 1) / 2), angle, s)
    out = cv2.warpAffine(obj, m, (side, side), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
    if rng.random() < 0.5:
        out = out[:, ::-1]
    out = out.copy()
    out[..., :3] = np.clip(out[..., :3] * rng.uniform(1 - light, 1 + light), 0, 255)
    return out


def paste(frame: np.ndarray, obj: np.ndarray, cx: float, cy: float, hide: tuple[float, float, float, float] | None = None
          ) -> np.ndarray:
    """The frame with the RGBA object centred at (cx, cy) pixels; `hide` (fractions of the object's
    square) is left unpasted, as if something in front covered that part."""
    out = frame.astype(np.float32).copy()
    side = obj.shape[0]
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    alpha = obj[..., 3:4] / 255.0
    if hide is not None:
        hx0, hy0, hx1, hy1 = (int(round(v * side)) for v in hide)
        alpha = alpha.copy()
        alpha[hy0:hy1, hx0:hx1] = 0
    h, w = frame.shape[:2]
    fx0, fy0, fx1, fy1 = max(0, x0), max(0, y0), min(w, x0 + side), min(h, y0 + side)
    if fx1 <= fx0 or fy1 <= fy0:
        return frame
    ox0, oy0 = fx0 - x0, fy0 - y0
    a = alpha[oy0:oy0 + fy1 - fy0, ox0:ox0 + fx1 - fx0]
    rgb = obj[oy0:oy0 + fy1 - fy0, ox0:ox0 + fx1 - fx0, :3]
    out[fy0:fy1, fx0:fx1] = out[fy0:fy1, fx0:fx1] * (1 - a) + rgb * a
    return out.astype(np.uint8)
