"""What the glasses' IMU feels while the scene's head moves.

Device axes: x to the wearer's right, y up, z backward (out of the back of the head), so looking
ahead is -z. Turning the head left is a positive rotation about +y: gyro y is the yaw rate that
pans the view in `render.render`. The accelerometer reports specific force, so at rest it reads
+9.81 m/s^2 on y (gravity), and walking adds the ~2 Hz step bounce on y and a small surge on z.
"""

from __future__ import annotations

import math

import numpy as np

from streams.sources.synthetic.scene import Scene

GRAVITY = 9.81
IMU_AXES = "x right, y up, z backward; gyro y = yaw rate (positive = turning left)"


def imu_arrays(scene: Scene, count: int, rate_hz: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t seconds, accel N x 3, gyro N x 3) for `count` samples at `rate_hz` from t=0."""
    t = np.arange(count) / rate_hz
    head = scene.head
    accel = np.zeros((count, 3))
    gyro = np.zeros((count, 3))
    accel[:, 1] = GRAVITY
    gyro[:, 1] = [head.yaw_rate_at(float(ti)) for ti in t]
    if head.walking:
        step = 2 * math.pi * head.step_hz * t
        accel[:, 1] += head.bounce_mps2 * np.sin(step)
        accel[:, 2] += 0.3 * head.bounce_mps2 * np.cos(step)  # the body surges forward each step
        gyro[:, 0] += 0.04 * np.sin(step)  # pitch nods with each step
        gyro[:, 2] += 0.05 * np.sin(step / 2)  # roll sways once per stride (two steps)
    # Sensor noise from its own key, so the pixels and sounds never depend on IMU settings.
    rng = np.random.default_rng([scene.seed, 4])
    accel += rng.normal(0.0, 0.05, size=(count, 3))
    gyro += rng.normal(0.0, 0.004, size=(count, 3))
    return t, accel, gyro
