"""The wearer's motion from the IMU: walking (steps in the accelerometer) and head motion (the gyro).

Steps bounce the head at ~2 Hz: the accelerometer's magnitude swings by a few m/s^2 around
gravity, while standing (even turning the head) it stays within sensor noise. Walking is decided
once a tick, by the agent's ContextStage (it sets `TickContext.walking`); the configurator, the
world model and the policies all read that one answer.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from streams.frames import NS_PER_S, ImuSample

WINDOW_S = 2.0
WALKING_STD = 0.6  # m/s^2 of accel-magnitude swing that counts as steps
MIN_SAMPLES = 20  # fewer samples in the window say nothing either way


class WalkingDetector:
    """Walking or not, from the spread of the accelerometer's magnitude over the last WINDOW_S."""

    def __init__(self) -> None:
        self._samples: deque[tuple[int, float]] = deque()

    def update(self, imu: tuple[ImuSample, ...], t_ns: int) -> bool:
        """Take the tick's IMU samples; True when the window ending at `t_ns` shows steps."""
        for s in imu:
            self._samples.append((s.t_ns, math.sqrt(sum(a * a for a in s.accel))))
        while self._samples and self._samples[0][0] < t_ns - WINDOW_S * NS_PER_S:
            self._samples.popleft()
        if len(self._samples) < MIN_SAMPLES:
            return False
        return float(np.std([m for _, m in self._samples])) >= WALKING_STD


def head_motion(imu: tuple[ImuSample, ...]) -> tuple[float, float]:
    """(yaw, pitch) in rad/s over the tick: the gyro's mean, (0, 0) without samples."""
    if not imu:
        return (0.0, 0.0)
    gyro = np.array([s.gyro for s in imu], np.float64)
    return (round(float(gyro[:, 1].mean()), 4), round(float(gyro[:, 0].mean()), 4))
