"""Low light: the mean luma of a reduced frame."""

from __future__ import annotations

import numpy as np


def mean_luma(gray: np.ndarray) -> float:
    """Mean brightness 0..1 of a uint8 grey image."""
    return float(gray.mean()) / 255.0 if gray.size else 0.0
