"""Speech-like audio made on the spot, for generated scenes that must not need data files.

A glottal pulse train (pitch gliding around 120 Hz) through three formant resonators per
syllable (vowel formants from the classic Peterson-Barney table), five syllables a second with
a syllable envelope. Silero's VAD takes it for a voice (p > 0.9); tones, hums and clatter it
does not.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16_000
VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (530, 1840, 2480), (570, 840, 2410), (300, 870, 2240), (660, 1720, 2410))
SYLLABLE_S = 0.2


def _resonator(x: np.ndarray, freq: float, bandwidth: float) -> np.ndarray:
    r = np.exp(-np.pi * bandwidth / SAMPLE_RATE)
    a1, a2 = -2 * r * np.cos(2 * np.pi * freq / SAMPLE_RATE), r * r
    y = np.zeros_like(x)
    y1 = y2 = 0.0
    for i, xi in enumerate(x):  # a two-pole filter; a few thousand samples a syllable
        y0 = xi - a1 * y1 - a2 * y2
        y[i] = y0
        y2, y1 = y1, y0
    return y


def speech_like(seconds: float, seed: int = 0, level: float = 0.4) -> np.ndarray:
    """`seconds` of voiced babble as int16 at 16 kHz."""
    rng = np.random.default_rng([seed, 7])
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    f0 = 120 + 20 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6.28))
    pulses = (np.diff(np.floor(np.cumsum(f0 / SAMPLE_RATE)), prepend=0) > 0).astype(np.float64)
    syl = int(SYLLABLE_S * SAMPLE_RATE)
    out = np.zeros(n)
    for k in range(0, n, syl):
        f1, f2, f3 = VOWELS[int(rng.integers(len(VOWELS)))]
        seg = pulses[k : k + syl]
        y = _resonator(seg, f1, 80) + 0.5 * _resonator(seg, f2, 100) + 0.25 * _resonator(seg, f3, 120)
        out[k : k + syl] = y * np.sin(np.pi * np.arange(len(seg)) / syl) ** 0.5
    peak = np.abs(out).max() or 1.0
    return (out / peak * level * 32767).astype(np.int16)
