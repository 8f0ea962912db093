"""Sound re-identification: enroll a sound from one occurrence over one noise bed, then find its other
occurrences in mixes over another noise bed, among other sounds and speech. Mean average precision.

Occurrences are one-second windows: the sound (or speech snippet) at a random start, gain and
+-5% speed, over a random stretch of a noise bed at a random level. A sound longer than two
seconds is enrolled from its first half and found in its second; a shorter one is the same
recording again, shifted, rescaled and resampled. Enrollment is over the tuning noise bed, the
mixes over the reporting one (splits.toml): a bed the sound was not enrolled over.
"""

from __future__ import annotations

import numpy as np

from tools.evals.perception.features import average_precision, cosine_matrix

OCCURRENCES = 4  # of every sound and speech snippet in each gallery
ENROLLMENTS = 4  # enrollment draws of each sound per seed
LONG_S = 2.0


def _part(wave: np.ndarray, sample_rate: int, enroll: bool) -> np.ndarray:
    if len(wave) <= LONG_S * sample_rate:
        return wave
    half = len(wave) // 2
    return wave[:half] if enroll else wave[half:]


def occurrence(wave: np.ndarray, bed: np.ndarray, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """One second: the wave (speed-jittered, at a random start and gain) over a random stretch of the bed."""
    n = sample_rate
    rate = rng.uniform(0.95, 1.05)
    w = np.interp(np.arange(0, len(wave) - 1, rate), np.arange(len(wave)), wave).astype(np.float32)
    if len(w) > n:
        s = int(rng.integers(0, len(w) - n + 1))
        w = w[s:s + n]
    w = w / (np.sqrt(np.mean(w * w)) + 1e-8) * 0.1 * rng.uniform(0.5, 2.0)
    start = int(rng.integers(0, max(1, len(bed) - n)))
    out = bed[start:start + n].astype(np.float32) / (np.sqrt(np.mean(bed * bed)) + 1e-8) * 0.1 * rng.uniform(0.3, 1.0)
    at = int(rng.integers(0, n - len(w) + 1))
    out[at:at + len(w)] += w
    return np.clip(out, -1, 1)


def sound_reid_map(sounds: list[np.ndarray], speech: list[np.ndarray], enroll_bed: np.ndarray, test_bed: np.ndarray,
                   feature_sets: list, seed: int, sample_rate: int) -> dict[str, float]:
    """mAP over every sound enrolled ENROLLMENTS times; the gallery holds OCCURRENCES of every sound and
    speech snippet over the test bed (speech is only ever a distractor)."""
    rng = np.random.default_rng([seed, 23])
    classes = sounds + speech
    gallery, label = [], []
    for c, wave in enumerate(classes):
        for _ in range(OCCURRENCES):
            gallery.append(occurrence(_part(wave, sample_rate, False), test_bed, rng, sample_rate))
            label.append(c)
    queries, qlabel = [], []
    for c, wave in enumerate(sounds):
        for _ in range(ENROLLMENTS):
            queries.append(occurrence(_part(wave, sample_rate, True), enroll_bed, rng, sample_rate))
            qlabel.append(c)
    gallery_arr, query_arr, label_arr = np.stack(gallery), np.stack(queries), np.array(label)
    out = {}
    for fs in feature_sets:
        g, q = fs.sounds(gallery_arr), fs.sounds(query_arr)
        g, q = g - g.mean(0, keepdims=True), q - q.mean(0, keepdims=True)  # each bed's mean taken out
        sims = cosine_matrix(q, g)
        out[fs.name] = float(np.mean([average_precision(sims[i], label_arr == qlabel[i]) for i in range(len(queries))]))
    return out
