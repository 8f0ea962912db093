"""A dog barking, without enrolling: each sound burst's first third of a second, on a log-mel contrast.

A bark is a short broadband burst (0.1-0.3 s), so it is judged on its own, not in a one-second window
it fills a tenth of (the perception model's latents average it away: docs/senses-notes.md, "The barks2
round"). Per 32 ms frame (hop 16 ms) of the microphone, MELS log-mel bands over BAND_HZ. A *burst* begins
where the band's level rises RISE_DB over its median of the BED_S before (having been under it the
frame before). Once PATCH_FRAMES after the burst's onset are heard, the patch from LEAD_FRAMES before
it is weighed against the bed: each band's dB less that band's median over the BED_S before the onset
(the contrast log-mel; the bed's own colour and the bark's gain drop out but for its height over the
bed), pooled coarse (TIME_STEPS x BAND_GROUPS), and a few numbers of the burst's surroundings (how many other
bursts began in the second before it, how much of the half second before stood over the bed: words come
several a second, a bark mostly alone), and each step's periodicity at a voice's pitches and at higher ones.
A small network (one hidden layer; `bark_model.npz` beside this module, trained from scratch on the tuning
half's dogs against its other sounds, voices and beds and ~1,500 packaged sounds that are not dogs:
`python -m tools.evals.sound_bark_model train`) scores the patch; a score of the model's threshold or more is
a bark, told at the tick that heard the patch complete (0.3-0.4 s after its onset).

Not run by the agent: judged with a dog, sounds, a voice and a bed it never met held out, it tells about a
fifth of the barks at 0.25 false alerts a minute (docs/senses-notes.md, "The barks4 round"); `CommonSounds`
does not call it.

Each update frames only the audio it has not seen (the ticks' windows overlap): a few 512-point FFTs,
a median over the bed's frames for each burst, one dot product for each burst judged.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glasses_agent.mel import mel_filters

SR = 16_000
FRAME = 512  # 32 ms
HOP = 256  # 16 ms
MELS = 24
BAND_HZ = (150.0, 6000.0)
BED_S = 2.0  # what the band carried this long before a burst is its bed
BED_MIN_FRAMES = 30  # ~0.5 s of it needed before anything is judged
RISE_DB = 6.0  # a burst's onset: the band's level this far over its bed's median
REFRACTORY_FRAMES = 6  # ~0.1 s: one burst's ragged onset is one onset
LEAD_FRAMES = 2  # frames before the onset in the patch (its rise)
PATCH_FRAMES = 18  # frames from the onset on (~0.29 s: a bark's body)
CONTEXT_S = 1.0  # other bursts counted this far before
BUSY_S = 0.5  # share of the frames this far before standing RISE_DB over the bed
CLIP_DB = (-10.0, 40.0)  # contrast range kept (deep dips and the loudest peaks carry no more)
# The patch is judged coarse: 5 steps of 64 ms x 6 groups of 4 bands. At the barks3 round's 10 x 24 a model learned
# the five tuning dogs' own spectra and found a held-out dog among held-out sounds about half as often (the barks4 round).
TIME_STEPS = 5
BAND_GROUPS = 6
VOICE_LAGS = slice(SR // 300, SR // 80)
HIGH_LAGS = slice(SR // 1000, SR // 300)
MODEL_PATH = Path(__file__).with_name("bark_model.npz")


def mel_filterbank(n_fft: int = FRAME, sr: int = SR, mels: int = MELS, band: tuple[float, float] = BAND_HZ) -> np.ndarray:
    """Triangular filters evenly spaced in mel over `band`: (mels, n_fft // 2 + 1), a copy of the shared cached one."""
    return mel_filters(sr, n_fft, mels, band).copy()


@dataclass(frozen=True)
class BarkModel:
    """Standardise the features, one hidden layer of ReLUs, a logistic output; `threshold` on it tells a bark."""

    mean: np.ndarray
    scale: np.ndarray
    hidden_w: np.ndarray  # (features, hidden)
    hidden_b: np.ndarray
    out_w: np.ndarray  # (hidden,)
    out_b: float
    threshold: float

    def score(self, features: np.ndarray) -> float:
        return float(self.scores(features[None, :])[0])

    def scores(self, features: np.ndarray) -> np.ndarray:
        h = np.maximum(((features - self.mean) / self.scale) @ self.hidden_w + self.hidden_b, 0.0)
        return 1.0 / (1.0 + np.exp(-np.clip(h @ self.out_w + self.out_b, -30.0, 30.0)))

    def with_threshold(self, threshold: float) -> BarkModel:
        return BarkModel(self.mean, self.scale, self.hidden_w, self.hidden_b, self.out_w, self.out_b, threshold)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, mean=self.mean.astype(np.float32), scale=self.scale.astype(np.float32),
                            hidden_w=self.hidden_w.astype(np.float32), hidden_b=self.hidden_b.astype(np.float32),
                            out_w=self.out_w.astype(np.float32), out_b=np.float32(self.out_b),
                            threshold=np.float32(self.threshold))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> BarkModel:
        with np.load(path) as z:
            return cls(*(z[k].astype(np.float64) for k in ("mean", "scale", "hidden_w", "hidden_b", "out_w")),
                       float(z["out_b"]), float(z["threshold"]))


@dataclass(frozen=True)
class Burst:
    """One burst judged: its onset (ns, the end of its onset frame), its features, and its score (None: no model)."""

    onset_ns: int
    features: np.ndarray
    score: float | None


class BarkDetector:
    """Feed each tick's audio window; `update` returns (("dog", score),) on the tick a bark is told."""

    def __init__(self, sample_rate: int = SR, model: BarkModel | None = None, keep_bursts: bool = False) -> None:
        if sample_rate != SR:
            raise ValueError(f"the bark detector runs at {SR} Hz")
        self._bank = mel_filterbank()
        self._window = np.hanning(FRAME).astype(np.float32)
        self._model = model
        self._keep = keep_bursts
        history = int(BED_S * SR / HOP) + LEAD_FRAMES + PATCH_FRAMES + 4
        self._db: deque[np.ndarray] = deque(maxlen=history)  # per frame: MELS band dB
        self._level: deque[float] = deque(maxlen=history)  # per frame: the band's dB
        self._rise: deque[float] = deque(maxlen=history)  # per frame: dB over its bed's median (nan: unknown)
        self._voicing: deque[np.ndarray] = deque(maxlen=history)  # per frame: periodicity at a voice's and a bark's pitches
        self.bursts: list[Burst] = []  # judged bursts, kept only with keep_bursts (the training script reads them)
        self.reset()

    def reset(self) -> None:
        self._db.clear()
        self._level.clear()
        self._rise.clear()
        self._voicing.clear()
        self._carry = np.zeros(0, dtype=np.float32)
        self._end_sample: int | None = None
        self._origin = 0
        self._frames = 0  # frames made so far (the newest one's index is _frames - 1)
        self._onsets: list[int] = []  # frame indices of bursts' onsets not yet judged or still in the context
        self._pending: list[tuple[int, np.ndarray]] = []  # (onset frame, the bed's per-band median) to judge
        self.bursts = []

    def update(self, audio: np.ndarray, t_ns: int) -> tuple[tuple[str, float], ...]:
        end = int(round(t_ns * SR / 1e9))
        if self._end_sample is not None and end < self._end_sample:  # the stream went back: start afresh
            self.reset()
        if self._end_sample is None:
            self._origin = end - len(audio)  # the stream's sample where frame 0 begins
        new = len(audio) if self._end_sample is None else min(len(audio), max(0, end - self._end_sample))
        self._end_sample = end
        if new:
            self._carry = np.concatenate([self._carry, audio[len(audio) - new:].astype(np.float32) / 32768.0])
        told = 0.0
        while len(self._carry) >= FRAME:
            self._add_frame(self._carry[:FRAME])
            self._carry = self._carry[HOP:]
            told = max(told, self._judge_ready(t_ns))
        return (("dog", told),) if told > 0.0 else ()

    def _add_frame(self, frame: np.ndarray) -> None:
        power = np.abs(np.fft.rfft(frame * self._window)) ** 2
        bands = self._bank @ power
        # The frame's autocorrelation (the inverse transform of its power), normalised: the best peak over a
        # voice's periods (80-300 Hz) and over shorter ones (300-1000 Hz). A word's voiced frames repeat at
        # its pitch; the packaged barks are rough bursts with little periodicity (the barks round: 0.08-0.15).
        ac = np.fft.irfft(power)
        ac = ac / max(float(ac[0]), 1e-12)
        self._voicing.append(np.array([ac[VOICE_LAGS].max(), ac[HIGH_LAGS].max()]))
        self._db.append(10.0 * np.log10(bands + 1e-10))
        level = 10.0 * np.log10(float(bands.sum()) + 1e-10)
        self._level.append(level)
        self._frames += 1
        bed_frames = min(len(self._level) - 1, int(BED_S * SR / HOP))
        if bed_frames < BED_MIN_FRAMES:
            self._rise.append(float("nan"))
            return
        levels = np.fromiter(self._level, dtype=np.float64)
        rise = level - float(np.median(levels[-1 - bed_frames:-1]))
        before = self._rise[-1] if self._rise else float("nan")
        self._rise.append(rise)
        k = self._frames - 1
        if rise >= RISE_DB and not before >= RISE_DB and (not self._onsets or k - self._onsets[-1] >= REFRACTORY_FRAMES):
            db = np.stack(list(self._db)[-1 - bed_frames:-1])
            self._onsets.append(k)
            self._pending.append((k, np.median(db, axis=0)))

    def _judge_ready(self, t_ns: int) -> float:
        """Judge the bursts whose patch is now complete; the best score of those told as barks (0: none)."""
        told = 0.0
        newest = self._frames - 1
        while self._pending and newest - self._pending[0][0] >= PATCH_FRAMES - 1:
            onset, bed = self._pending.pop(0)
            features = self._features(onset, bed)
            onset_ns = int((self._origin + onset * HOP + FRAME) * 1e9 / SR)
            score = self._model.score(features) if self._model is not None else None
            if self._keep:
                self.bursts.append(Burst(onset_ns, features, score))
            if score is not None and score >= self._model.threshold:
                told = max(told, score)
        horizon = newest - int(CONTEXT_S * SR / HOP) - PATCH_FRAMES
        self._onsets = [k for k in self._onsets if k >= horizon]
        return told

    def _features(self, onset: int, bed: np.ndarray) -> np.ndarray:
        newest = self._frames - 1
        first = onset - LEAD_FRAMES
        rows = np.stack(list(self._db)[len(self._db) - 1 - (newest - first):len(self._db) - (newest - onset - PATCH_FRAMES + 1)])
        contrast = np.clip(rows - bed, *CLIP_DB)  # (LEAD + PATCH frames, MELS)
        steps = (LEAD_FRAMES + PATCH_FRAMES) // TIME_STEPS
        pooled = contrast.reshape(TIME_STEPS, steps, BAND_GROUPS, MELS // BAND_GROUPS).mean(axis=(1, 3))
        voicing = np.stack(list(self._voicing)[len(self._voicing) - 1 - (newest - first):
                                               len(self._voicing) - (newest - onset - PATCH_FRAMES + 1)])
        voicing = voicing.reshape(TIME_STEPS, steps, 2).mean(axis=1)
        context = int(CONTEXT_S * SR / HOP)
        earlier = sum(1 for k in self._onsets if onset - context <= k < onset)
        rises = np.fromiter(self._rise, dtype=np.float64)
        busy_n = int(BUSY_S * SR / HOP)
        before = rises[len(rises) - 1 - (newest - onset) - busy_n:len(rises) - 1 - (newest - onset)]
        busy = float(np.mean(np.nan_to_num(before, nan=0.0) >= RISE_DB)) if len(before) else 0.0
        return np.concatenate([pooled.reshape(-1), [float(earlier), busy], voicing.reshape(-1)]).astype(np.float64)
