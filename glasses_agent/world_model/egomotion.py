"""Ego-motion: how the head moved between two ticks, the one estimator every part uses.

From the images: sparse corners (Shi-Tomasi) on the previous frame shrunk to EGO_WIDTH px, followed
into the current frame by pyramidal Lucas-Kanade, and a homography fitted to the pairs with RANSAC.
The homography's inliers are the background (what the head's motion moved); its outliers are the
things that moved on their own. With an IMU the gyro's rotation (integrated over the tick) is the
head's turn and the image fit only refines it: when the image fit fails (a blank wall, a blur) the
gyro alone says how the view shifted.

`Motion.warp(points)` carries positions from the previous frame into this one, `Motion.warp_image`
the previous frame (or a background model) itself, so a comparison after it sees what the world
did, not what the head did. `Motion.action` is (yaw, pitch) in rad/s, the action the latent
dynamics is conditioned on (the gyro's axes and units, so a checkpoint trained on IMU actions reads
image-estimated ones the same way).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from glasses_agent.motion import head_motion

EGO_WIDTH = 160  # px: the frames the corners are found in (the world model's work frames: the frame is shrunk once a tick)
MAX_CORNERS = 150
MIN_INLIERS = 12  # fewer than this and the image fit is not believed
RANSAC_PX = 1.5  # reprojection tolerance at EGO_WIDTH (a pixel of jitter plus sub-pixel flow error)
FOV_RAD = math.radians(60)  # horizontal field of view assumed for the glasses' camera

IDENTITY = np.eye(3, dtype=np.float64)


def warp_by_homography(image: np.ndarray, homography: np.ndarray, border: int = cv2.BORDER_REPLICATE,
                       border_value: float | tuple[float, ...] = 0.0,
                       size: tuple[int, int] | None = None) -> np.ndarray:
    """`image` carried by `homography` (bilinear) into a frame of `size` (w, h; None: the image's own).
    Pixels it brings in from outside are the `border`'s: with cv2.BORDER_CONSTANT they are
    `border_value` (one per channel as a tuple), NaN marking them unknown on a float image."""
    if size is None:
        size = (image.shape[1], image.shape[0])
    return cv2.warpPerspective(image, homography, size, flags=cv2.INTER_LINEAR, borderMode=border,
                               borderValue=border_value)


@dataclass(frozen=True)
class Motion:
    """The view's motion from the previous frame to this one, in the caller's pixel units."""

    homography: np.ndarray = field(default_factory=lambda: IDENTITY.copy())  # previous px -> current px
    inliers: int = 0  # corners that moved with the view
    outliers: int = 0  # corners that moved on their own
    ok: bool = False  # the fit is believed (enough inliers, or the gyro)
    dt: float = 0.1  # seconds between the two frames
    width: int = 1  # the pixel frame the homography is in (its width)
    source: str = "none"  # image | imu | imu+image | none
    outlier_points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))  # current px

    @property
    def shift(self) -> tuple[float, float]:
        """Where the view's centre moved (px): the translation part, for code that only shifts."""
        c = np.array([[self.width / 2.0, self.width * 0.28]])
        moved = self.warp(c)[0]
        return float(moved[0] - c[0, 0]), float(moved[1] - c[0, 1])

    @property
    def action(self) -> tuple[float, float]:
        """(yaw, pitch) rate in rad/s as a gyro would give it: the view's shift over the field of view."""
        dx, dy = self.shift
        per_px = FOV_RAD / max(1, self.width)
        # A head turning right (positive yaw on the gyro's y axis) moves the picture left.
        return (round(-dx * per_px / max(self.dt, 1e-3), 4), round(-dy * per_px / max(self.dt, 1e-3), 4))

    @property
    def zoom(self) -> float:
        """Scale change of the view (>1: things grow, walking forward), from the homography's determinant."""
        return float(math.sqrt(abs(np.linalg.det(self.homography[:2, :2])))) if self.ok else 1.0

    def warp(self, points: np.ndarray) -> np.ndarray:
        """Points (N, 2) in the previous frame carried into this one."""
        pts = np.asarray(points, np.float64).reshape(-1, 1, 2)
        if not len(pts):
            return pts.reshape(0, 2)
        return cv2.perspectiveTransform(pts, self.homography).reshape(-1, 2)

    def warp_image(self, image: np.ndarray, border: int = cv2.BORDER_REPLICATE) -> np.ndarray:
        """The previous frame (or anything in its pixels) as the head's motion alone would show it now
        (unwarped when the motion is not believed or is none)."""
        if not self.ok or np.allclose(self.homography, IDENTITY):
            return image
        return warp_by_homography(image, self.homography, border)

    def scaled(self, width: int) -> Motion:
        """The same motion in pixels of a frame `width` px wide."""
        s = width / max(1, self.width)
        if s == 1.0:
            # The world model's parts all work at the width the motion was found at (two to four calls
            # a tick): the product with an identity and its inverse is the homography itself, but for
            # a zero's sign (a sum of products with +0.0 gives +0.0), which adding +0.0 gives too.
            h = self.homography + 0.0
        else:
            scale = np.diag([s, s, 1.0])
            h = scale @ self.homography @ np.linalg.inv(scale)
        return Motion(h, self.inliers, self.outliers, self.ok, self.dt, width, self.source,
                      self.outlier_points * s)


def gray_small(image: np.ndarray, width: int = EGO_WIDTH) -> np.ndarray:
    """The frame as grey uint8, at most `width` px wide (aspect kept)."""
    if image.ndim == 3:
        image = cv2.cvtColor(image if image.dtype == np.uint8 else np.clip(image, 0, 255).astype(np.uint8),
                             cv2.COLOR_RGB2GRAY)
    h, w = image.shape[:2]
    if w > width:
        image = cv2.resize(image, (width, max(8, round(h * width / w))), interpolation=cv2.INTER_AREA)
    return image


class EgoMotion:
    """Estimates the view's motion tick by tick: feed each tick's newest frame (and IMU samples) to `update`."""

    def __init__(self, width: int = EGO_WIDTH) -> None:
        self.width = width
        self.previous: np.ndarray | None = None
        self.last = Motion()
        self._t: float | None = None

    def reset(self) -> None:
        self.previous, self.last, self._t = None, Motion(), None

    def update(self, image: np.ndarray, t: float, imu: tuple = ()) -> Motion:
        """The motion from the previous call's frame to this one (`t` in seconds; `imu` the tick's samples)."""
        gray = gray_small(image, self.width)
        dt = 0.1 if self._t is None else max(1e-3, t - self._t)
        self._t = t
        prev, self.previous = self.previous, gray
        gyro = head_motion(imu) if imu else None
        if prev is None or prev.shape != gray.shape:
            self.last = Motion(dt=dt, width=gray.shape[1])
            return self.last
        self.last = estimate(prev, gray, dt, gyro)
        return self.last


def _gyro_homography(gyro: tuple[float, float], dt: float, width: int) -> np.ndarray:
    """A pure rotation's image shift for small angles (the view moves opposite to the head)."""
    per_rad = width / FOV_RAD
    h = IDENTITY.copy()
    h[0, 2] = -gyro[0] * dt * per_rad
    h[1, 2] = -gyro[1] * dt * per_rad
    return h


def estimate(prev: np.ndarray, cur: np.ndarray, dt: float = 0.1, gyro: tuple[float, float] | None = None) -> Motion:
    """The motion between two grey frames of the same size (see the module's docstring)."""
    width = cur.shape[1]
    prior = _gyro_homography(gyro, dt, width) if gyro is not None else None
    corners = cv2.goodFeaturesToTrack(prev, MAX_CORNERS, 0.01, 6, blockSize=5)
    if corners is None or len(corners) < MIN_INLIERS:
        return _fallback(prior, dt, width)
    guess = None
    flags = 0
    if prior is not None:
        guess = cv2.perspectiveTransform(corners.astype(np.float64), prior).astype(np.float32)
        flags = cv2.OPTFLOW_USE_INITIAL_FLOW
    moved, status, _ = cv2.calcOpticalFlowPyrLK(prev, cur, corners, guess, winSize=(15, 15), maxLevel=3,
                                                flags=flags,
                                                criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03))
    good = status.reshape(-1).astype(bool)
    src, dst = corners.reshape(-1, 2)[good], moved.reshape(-1, 2)[good]
    if len(src) < MIN_INLIERS:
        return _fallback(prior, dt, width)
    h, mask = cv2.findHomography(src, dst, cv2.RANSAC, RANSAC_PX, maxIters=200, confidence=0.99)
    if h is None or mask is None:
        return _fallback(prior, dt, width)
    inlier = mask.reshape(-1).astype(bool)
    if int(inlier.sum()) < MIN_INLIERS or not _plausible(h, width):
        return _fallback(prior, dt, width)
    source = "imu+image" if prior is not None else "image"
    return Motion(h, int(inlier.sum()), int((~inlier).sum()), True, dt, width, source,
                  dst[~inlier].astype(np.float32))


def _plausible(h: np.ndarray, width: int) -> bool:
    """A homography a head can make between ticks: no flip, no wild scale or perspective."""
    a = h[:2, :2]
    det = float(np.linalg.det(a))
    return 0.7 < det < 1.4 and abs(h[2, 0]) < 2e-3 and abs(h[2, 1]) < 2e-3 and abs(h[0, 2]) < width / 2


def _fallback(prior: np.ndarray | None, dt: float, width: int) -> Motion:
    if prior is None:
        return Motion(dt=dt, width=width)
    return Motion(prior, 0, 0, True, dt, width, "imu")
