"""Log-mel spectrogram and audio level in numpy, for the audio pane.

The UI must never import torch, so this is a small numpy re-statement of the usual recipe
(Hann window, power spectrum, triangular mel filters on the HTK mel scale, dB). The filters are
glasses_agent.mel's, which the bark detector shares.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from glasses_agent.mel import mel_filters

FLOOR_DB = -80.0


@lru_cache(maxsize=8)
def mel_filters_t(sample_rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    """`mel_filters` transposed, (n_fft//2+1, n_mels), C-ordered."""
    return np.ascontiguousarray(mel_filters(sample_rate, n_fft, n_mels).T)


def log_mel(samples: np.ndarray, sample_rate: int, *, n_mels: int = 32, n_fft: int = 512, hop: int = 160) -> np.ndarray:
    """(n_mels, frames) log-mel power in dB (0 dB = full-scale sine), lowest band first."""
    x = samples.astype(np.float32) / 32768.0 if samples.dtype == np.int16 else samples.astype(np.float32)
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    count = 1 + (len(x) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(count)[:, None]
    window = np.hanning(n_fft).astype(np.float32)
    spectrum = np.abs(np.fft.rfft(x[idx] * window, axis=1)) ** 2
    # einsum's own loop, not `@`: a product this small (97 x 257 x 32) that goes to OpenBLAS wakes
    # its worker threads each time, and on a busy two-core machine waiting for them took 10-30 ms
    # a tick (measured; 0.9 ms with one BLAS thread, 0.14 ms for this line alone).
    power = np.einsum("fb,bm->mf", spectrum, mel_filters_t(sample_rate, n_fft, n_mels))
    # A full-scale sine puts (n_fft * mean(window) / 2)^2 in its bin: scale that to 0 dB.
    ref = (n_fft * window.mean() / 2) ** 2
    return np.maximum(10.0 * np.log10(np.maximum(power / ref, 1e-12)), FLOOR_DB).astype(np.float32)


def level_dbfs(samples: np.ndarray) -> float:
    """RMS level in dB relative to full scale; silence is FLOOR_DB."""
    if len(samples) == 0:
        return FLOOR_DB
    x = samples.astype(np.float64) / 32768.0
    rms = float(np.sqrt(np.mean(x * x)))
    return max(FLOOR_DB, 20.0 * np.log10(rms)) if rms > 0 else FLOOR_DB
