"""Triangular mel filters (HTK mel scale) in numpy, shared by the bark detector and the simulator's audio pane.

numpy only: the simulator must never import torch, and the detectors run without it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


@lru_cache(maxsize=8)
def mel_filters(sample_rate: int, n_fft: int, n_mels: int, band: tuple[float, float] | None = None) -> np.ndarray:
    """(n_mels, n_fft//2+1) float32 triangular filters spaced evenly in mel over `band` (Hz; None: 0 Hz to
    Nyquist). Cached: treat the result as read-only."""
    low, high = band if band is not None else (0.0, sample_rate / 2)
    freqs = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(low), hz_to_mel(high), n_mels + 2))
    lower, center, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs - lower) / np.maximum(center - lower, 1e-9)
    falling = (upper - freqs) / np.maximum(upper - center, 1e-9)
    return np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)
