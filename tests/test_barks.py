"""The bark detector (glasses_agent/detectors/barks.py) with its shipped model: a real dog's bark over the
tuning bed scores over words and a glass's clink laid as loud, and neither of those is told as a bark."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from glasses_agent.detectors.barks import SR, BarkDetector, BarkModel
from glasses_agent.scoring.sound_eval import detect_occurrences, load_audio, sound_onset

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is absent")
BED = SHARED / "audio/noise/speechcommands_doing_the_dishes.wav"


def _over_the_dishes(recording: Path, at_s: float = 3.0, peak: float = 0.4, bed_from_s: float = 10.0) -> tuple[np.ndarray, float]:
    """The recording laid at `at_s` (peak `peak` of full scale) over 8 s of the tuning bed; (mix, its onset s)."""
    bed = load_audio(BED, 30.0)[int(bed_from_s * SR):int((bed_from_s + 8.0) * SR)].astype(np.float32)
    x = load_audio(recording, 4.0).astype(np.float32)
    i = int(at_s * SR)
    bed[i:i + len(x)] += x * peak * 32767 / float(np.abs(x).max())
    return np.clip(bed, -32768, 32767).astype(np.int16), at_s + sound_onset(x.astype(np.int16))


def _barks(mix: np.ndarray) -> list[float]:
    return [t for k, t in detect_occurrences(mix, lambda: BarkDetector(SR, BarkModel.load())) if k == "dog"]


def _best_score(mix: np.ndarray, from_s: float) -> float:
    det = BarkDetector(SR, BarkModel.load(), keep_bursts=True)
    for i in range(1, len(mix) // 1600 + 1):
        det.update(mix[max(0, i * 1600 - SR):i * 1600], i * 100_000_000)
    return max(b.score for b in det.bursts if b.onset_ns / 1e9 >= from_s - 0.3)


@needs_shared
@pytest.mark.parametrize("peak", [0.2, 0.5])
def test_a_real_dogs_bark_scores_over_words_and_a_clink_laid_as_loud_over_the_dishes(peak):
    # Ranked, not told: at the threshold the held-out judge gives it (precision first, docs/senses-notes.md "The
    # barks4 round") the model tells few barks, this one among those it does not.
    bark = _best_score(*_over_the_dishes(SHARED / "audio/sounds/tuxpaint_dog.ogg", peak=peak))
    for other in ("audio/speech/cmu_arctic_us_aew_a0001.wav", "audio/speech/librispeech_198-209-0000.ogg",
                  "audio/sounds/tuxpaint_glass.ogg"):
        assert bark > _best_score(*_over_the_dishes(SHARED / other, peak=peak)), other


@needs_shared
@pytest.mark.parametrize("recording", ["audio/speech/cmu_arctic_us_aew_a0001.wav", "audio/speech/librispeech_198-209-0000.ogg",
                                       "audio/sounds/tuxpaint_glass.ogg"])
def test_words_and_a_glass_clink_over_the_dishes_are_not_barks(recording):
    mix, _ = _over_the_dishes(SHARED / recording, peak=0.4)
    assert _barks(mix) == []


def test_the_shipped_model_reads_the_features_the_detector_makes():
    rng = np.random.default_rng(0)
    noise = (rng.normal(0, 300, 4 * SR)).astype(np.float32)
    burst = np.zeros_like(noise)
    burst[2 * SR:2 * SR + 3200] = rng.normal(0, 8000, 3200) * np.hanning(3200)  # a 0.2 s broadband burst
    det = BarkDetector(SR, BarkModel.load(), keep_bursts=True)
    pcm = np.clip(noise + burst, -32768, 32767).astype(np.int16)
    for i in range(1, len(pcm) // 1600 + 1):
        det.update(pcm[max(0, i * 1600 - SR):i * 1600], i * 100_000_000)
    assert [round(b.onset_ns / 1e9, 1) for b in det.bursts] == [2.0]
    assert det.bursts[0].features.shape == BarkModel.load().mean.shape
    assert 0.0 <= det.bursts[0].score <= 1.0


def test_a_stream_that_goes_back_is_heard_afresh():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 300, 4 * SR)
    x[2 * SR:2 * SR + 3200] += rng.normal(0, 8000, 3200) * np.hanning(3200)
    pcm = np.clip(x, -32768, 32767).astype(np.int16)
    det = BarkDetector(SR, keep_bursts=True)
    for _ in range(2):  # a replay from the start: the same burst is found again
        det.bursts = []
        for i in range(1, len(pcm) // 1600 + 1):
            det.update(pcm[max(0, i * 1600 - SR):i * 1600], i * 100_000_000)
        assert [round(b.onset_ns / 1e9, 1) for b in det.bursts] == [2.0]


def test_training_is_deterministic():
    from tools.evals.sound_bark_model import fit

    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 12))
    y = (X[:, 0] + 0.5 * rng.normal(size=200) > 0).astype(float)
    a, b = fit(X, y), fit(X, y)
    assert np.array_equal(a.hidden_w, b.hidden_w) and a.out_b == b.out_b
    assert np.mean((a.scores(X) > 0.5) == (y == 1)) > 0.8
