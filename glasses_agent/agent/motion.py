"""Walking from the IMU, for when no world model is loaded to say so.

Steps bounce the head at ~2 Hz: the accelerometer's magnitude swings by a few m/s^2 around
gravity, while standing (even turning the head) it stays within sensor noise.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from streams.frames import NS_PER_S, ImuSample

WINDOW_S = 2.0
WALKING_STD = 0.6  # m/s^2 of accel-magnitude swing that counts as steps


class WalkingDetector:
    def __init__(self) -> None:
        self._samples: deque[tuple[int, float]] = deque()

    def update(self, imu: tuple[ImuSample, ...], t_ns: int) -> bool:
        for s in imu:
            self._samples.append((s.t_ns, math.sqrt(sum(a * a for a in s.accel))))
        while self._samples and self._samples[0][0] < t_ns - WINDOW_S * NS_PER_S:
            self._samples.popleft()
        if len(self._samples) < 20:
            return False
        return float(np.std([m for _, m in self._samples])) >= WALKING_STD
