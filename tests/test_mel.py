"""The shared mel filters (glasses_agent/mel.py): the bark detector's band and the sim's full range."""

from __future__ import annotations

import numpy as np

from glasses_agent.detectors.barks import BAND_HZ, FRAME, MELS, SR, mel_filterbank
from glasses_agent.mel import mel_filters


def test_a_band_limited_bank_weighs_nothing_outside_its_band():
    bank = mel_filters(SR, FRAME, MELS, BAND_HZ)
    freqs = np.linspace(0.0, SR / 2, FRAME // 2 + 1)
    outside = (freqs < BAND_HZ[0]) | (freqs > BAND_HZ[1])
    assert bank.shape == (MELS, FRAME // 2 + 1)
    # Inside it every bin is weighed but the top one, on the last filter's closing edge.
    assert not bank[:, outside].any() and (bank[:, ~outside][:, :-1].sum(axis=0) > 0).all()


def test_the_full_range_bank_covers_up_to_nyquist_and_the_bark_bank_is_a_copy():
    full = mel_filters(SR, 512, 32)
    assert full[-1].argmax() > full.shape[1] * 0.9
    bank = mel_filterbank()
    bank[:] = 0.0  # the detector's copy may be written; the cached bank stays as it was
    assert mel_filters(SR, FRAME, MELS, BAND_HZ).any()
