"""The beep's twin (detectors/gated_tones.py): the same gated tone again at one pitch, in the spectra."""

from __future__ import annotations

import numpy as np

from glasses_agent.detectors.gated_tones import has_twin
from glasses_agent.detectors.sounds import FRAME, HOP

SR = 16_000
S = 1_000_000_000
FREQS = np.fft.rfftfreq(FRAME, 1 / SR)
BIN = 192  # 3000 Hz
NEAR = slice(BIN - 2, BIN + 3)


def _frames(tone: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(frame end t_ns, dB spectra about 3 kHz) of a signal in faint noise, framed as the detector frames it."""
    x = tone + np.random.default_rng(seed).normal(0, 0.003, len(tone))
    window = np.hanning(FRAME)
    ends = np.arange(FRAME, len(x) + 1, HOP)
    spec = np.abs(np.fft.rfft(np.stack([x[e - FRAME:e] * window for e in ends]), axis=1))
    db = 20 * np.log10(spec + 1e-9) - 20 * np.log10(FRAME / 4)
    return ends * S // SR, db[:, NEAR]


def _gated(t: np.ndarray, f: float, on_s: float, off_s: float) -> np.ndarray:
    return 0.2 * np.sin(2 * np.pi * f * t) * ((t >= on_s) & (t < off_s))


def _beep(t_ns: np.ndarray, rows: np.ndarray, on_s: float, off_s: float) -> tuple[int, int, float, float]:
    """The beep as a ridge would give it: the span of its frames at one level (within 4 dB of its
    loudest), pitch 3000 Hz, their median level."""
    level = rows.max(axis=1)
    around = (t_ns > on_s * S) & (t_ns < off_s * S + FRAME * S // SR)
    inside = around & (level >= level[around].max() - 4.0)
    return int(t_ns[inside][0]), int(t_ns[inside][-1]), 3000.0, float(np.median(level[inside]))


def test_the_same_beep_gated_again_at_its_pitch_is_its_twin():
    t = np.arange(2 * SR) / SR
    t_ns, rows = _frames(_gated(t, 3000, 0.5, 0.65) + _gated(t, 3000, 0.9, 1.05))
    assert has_twin(t_ns, rows, FREQS[NEAR], _beep(t_ns, rows, 0.9, 1.05), int(1.5 * S))


def test_a_struck_tone_at_the_pitch_a_tone_off_the_pitch_or_a_longer_one_is_no_twin():
    t = np.arange(2 * SR) / SR
    beep = _gated(t, 3000, 0.9, 1.05)
    struck = 0.2 * np.sin(2 * np.pi * 3000 * t) * np.exp(-np.clip(t - 0.5, 0, None) / 0.3) * (t >= 0.5)
    for other in (struck,  # rings out from its strike: never switched off
                  _gated(t, 3010, 0.5, 0.65),  # another oscillator, 10 Hz off
                  _gated(t, 3000, 0.5, 0.9 - 0.1)):  # gated, but twice as long
        t_ns, rows = _frames(other + beep)
        assert not has_twin(t_ns, rows, FREQS[NEAR], _beep(t_ns, rows, 0.9, 1.05), int(1.5 * S))
