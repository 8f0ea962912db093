"""Common sound alerts judged on real recordings mixed over real noise beds.

Each mix lays one half's recordings (its sounds and its speech, from splits.toml) at random
times and gains over that half's noise bed, and runs the agent's sound detector tick by tick
(10 Hz, the last 1 s of audio each tick, as the agent's ticks carry it). Alerts are merged into
occurrences as the sound policy merges them (OCCURRENCE_GAP_S); an occurrence of kind K is a
true positive when it begins within an occurrence of a K recording (from its own onset, a little
early allowed, to its end). Recall: K recordings whose alert began within ONSET_S of their onset.

    report = evaluate(sound_files, speech_files, noise_file, seeds=range(4))
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from glasses_agent.actor.senses import OCCURRENCE_GAP_NS
from glasses_agent.detectors.sounds import CommonSounds

SR = 16_000
ONSET_S = 1.0
EARLY_S = 0.3
# What each shared recording is, for the kinds the detectors name (the rest are negatives).
KIND_OF = {
    "freedesktop_alarm-clock-elapsed": "alarm",
    "freedesktop_phone-incoming-call": "alarm",  # a ringing phone: the same "something rings" alert
    "tuxpaint_firetruck": "siren",
    "tuxpaint_dog": "dog",
}
DETECTED = ("alarm", "siren")  # kinds the DSP detectors report


def load_audio(path: Path, seconds: float = 30.0) -> np.ndarray:
    import av

    with av.open(str(path), metadata_errors="ignore") as container:  # some packages' tags are not UTF-8
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SR)
        chunks = [out.to_ndarray().reshape(-1) for frame in container.decode(audio=0)
                  for out in resampler.resample(frame)]
    return np.concatenate(chunks).astype(np.int16)[: int(seconds * SR)]


def sound_onset(samples: np.ndarray) -> float:
    """Seconds from the file's start to where it starts to sound (a tenth of its loudest 20 ms)."""
    n = len(samples) // 320
    if n == 0:
        return 0.0
    rms = np.sqrt((samples[: n * 320].astype(np.float32).reshape(n, 320) ** 2).mean(axis=1))
    return float(np.argmax(rms >= 0.1 * rms.max())) * 0.02 if rms.max() > 0 else 0.0


@dataclass(frozen=True)
class Placed:
    """A recording laid into a mix: its name, its alert kind (None: not an alert) and when it sounds."""

    name: str
    kind: str | None
    onset_s: float  # where it starts to sound in the mix
    end_s: float

    @property
    def told_by(self) -> float:
        """The latest an alert about it may begin: its end, or ONSET_S after its onset for a sound shorter
        than that (a 0.2 s bark is told once it is over, within the second the issue allows)."""
        return max(self.end_s, self.onset_s + ONSET_S)


def make_mix(recordings: dict[str, np.ndarray], noise: np.ndarray, seed: int,
             seconds: float = 60.0, kinds: dict[str, str] | None = None) -> tuple[np.ndarray, list[Placed]]:
    """The noise bed (a random stretch) with each recording laid once, in random order, 2-4 s of
    bed between them, at a random gain (peak 0.15-0.6 of full scale). `kinds`: the alert kind of
    each recording's name (default KIND_OF)."""
    kinds = KIND_OF if kinds is None else kinds
    rng = random.Random(seed)
    start = rng.randrange(0, max(1, len(noise) - int(seconds * SR)))
    bed = noise[start:start + int(seconds * SR)].astype(np.float32)
    if len(bed) < seconds * SR:
        bed = np.resize(bed, int(seconds * SR))
    names = list(recordings)
    rng.shuffle(names)
    placed = []
    t = rng.uniform(1.0, 2.0)
    for name in names:
        x = recordings[name].astype(np.float32)
        if t + len(x) / SR > seconds - 1.0:
            break
        gain = rng.uniform(0.15, 0.6) * 32767 / max(1.0, float(np.abs(x).max()))
        i = int(t * SR)
        bed[i:i + len(x)] += x * gain
        onset = t + sound_onset(recordings[name])
        placed.append(Placed(name, kinds.get(name), onset, t + len(x) / SR))
        t += len(x) / SR + rng.uniform(2.0, 4.0)
    return np.clip(bed, -32768, 32767).astype(np.int16), placed


def detect_occurrences(mix: np.ndarray, detector: Callable[[], Any] | None = None) -> list[tuple[str, float]]:
    """(kind, onset s) of each occurrence the detector reports over the mix, ticks at 10 Hz. `detector`
    makes a fresh one (default the agent's CommonSounds; tests/test_barks.py passes the bark detector)."""
    det = detector() if detector is not None else CommonSounds(SR)
    last_heard: dict[str, int] = {}
    out = []
    for i in range(1, len(mix) // (SR // 10) + 1):
        t_ns = i * 100_000_000
        end = i * (SR // 10)
        for kind, _ in det.update(mix[max(0, end - SR):end], t_ns):
            if kind not in last_heard or t_ns - last_heard[kind] >= OCCURRENCE_GAP_NS:
                out.append((kind, t_ns / 1e9))
            last_heard[kind] = t_ns
    return out


def evaluate(sounds: list[Path], speech: list[Path], noise: Path, seeds: range,
             kinds: dict[str, str] | None = None) -> dict[str, Any]:
    """Per detected kind: occurrences, recall (alerted within ONSET_S), alerts, precision, the median
    and latest onset of those alerted in time; and a line for each false alert. `kinds` names recordings' alert kinds beyond KIND_OF
    (recordings from outside the shared data, by file stem)."""
    kinds = {**KIND_OF, **(kinds or {})}
    recordings = {p.stem: load_audio(p, 8.0) for p in sounds}
    recordings.update({p.stem: load_audio(p, 4.0) for p in speech})
    bed = load_audio(noise, 200.0)
    per_kind: dict[str, dict[str, Any]] = {k: {"occurrences": 0, "recalled": 0, "alerts": 0, "true": 0, "onsets_s": []}
                                           for k in DETECTED}
    false_alerts: list[str] = []
    for seed in seeds:
        mix, placed = make_mix(recordings, bed, seed, kinds=kinds)
        found = detect_occurrences(mix)
        for p in placed:
            if p.kind in per_kind:
                s = per_kind[p.kind]
                s["occurrences"] += 1
                hits = [t for k, t in found if k == p.kind and p.onset_s - EARLY_S <= t <= p.told_by]
                if hits and hits[0] <= p.onset_s + ONSET_S:
                    s["recalled"] += 1
                    s["onsets_s"].append(round(max(0.0, hits[0] - p.onset_s), 2))
        for kind, t in found:
            s = per_kind[kind]
            s["alerts"] += 1
            inside = [p for p in placed if p.onset_s - EARLY_S <= t <= p.told_by]
            if any(p.kind == kind for p in inside):
                s["true"] += 1
            else:
                false_alerts.append(f"{kind} at {t:.1f} s (seed {seed}; during {[p.name for p in inside] or 'noise bed'})")
    for s in per_kind.values():
        s["recall"] = round(s["recalled"] / s["occurrences"], 3) if s["occurrences"] else None
        s["precision"] = round(s["true"] / s["alerts"], 3) if s["alerts"] else None
        s["onset_s_median"] = round(float(np.median(s["onsets_s"])), 2) if s["onsets_s"] else None
        s["onset_s_max"] = max(s["onsets_s"]) if s["onsets_s"] else None
        del s["onsets_s"]
    return {"kinds": per_kind, "false_alerts": false_alerts, "recordings": sorted(recordings), "noise": noise.name}
