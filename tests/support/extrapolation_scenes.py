"""What the motion extrapolation's tests share: a blocky textured world and each tick's broken glide."""

from __future__ import annotations

import cv2
import numpy as np

from glasses_agent.world_model.broken_glide import BrokenGlide
from glasses_agent.world_model.extrapolation import MotionExtrapolation


def texture(rng: np.random.Generator, h: int, w: int, cell: int) -> np.ndarray:
    """Blocky random colours, smoothed a little, as float RGB 0..255 (at least h x w: `cell` more each side)."""
    coarse = rng.uniform(40, 215, (h // cell + 2, w // cell + 2, 3)).astype(np.float32)
    return cv2.GaussianBlur(cv2.resize(coarse, (w + 2 * cell, h + 2 * cell), interpolation=cv2.INTER_NEAREST),
                            (3, 3), 0)


def broken_glides(frames: list[np.ndarray]) -> list[BrokenGlide]:
    """Each tick's broken glide (broken_glide.py) at 10 frames a second, by the tick it is about (it
    comes with the next tick's step, so the list is one shorter than `frames`)."""
    model = MotionExtrapolation()
    glides = []
    for k, frame in enumerate(frames):
        model.step(frame, 0.1 * k)
        glides.append(model.broken_glide)
    return glides[1:]
