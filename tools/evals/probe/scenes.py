"""Labelled clips for the frozen-feature probes, built at the model's own size and rate.

Each clip: one shape (appearance label: circle / square / triangle) moving in one of four
directions (motion label: right / left / down / up) over a textured background, with a band of
flickering random texture (unpredictable: a pixel model wastes itself on it), and one second of
audio where one of the sound files plays (sound label), mixed over a noise bed with hiss.

Train and test differ where it matters: sounds come from disjoint time segments of each file
(the first 60% for training, the rest for testing), from different noise beds, with random
gain and pitch jitter, and the scenes come from different seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from streams.sources.synthetic.render import make_background, render
from streams.sources.synthetic.scene import PALETTE, SHAPES, Scene, SceneObject

from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.errors import EmptyDatasetError

DIRECTIONS = ("right", "left", "down", "up")
_UNIT = {"right": (1.0, 0.0), "left": (-1.0, 0.0), "down": (0.0, 1.0), "up": (0.0, -1.0)}
SOUND_SUFFIXES = {".wav", ".ogg", ".oga", ".flac", ".mp3"}
TRAIN_FRACTION = 0.6  # of each sound file's duration; the test draws from the rest


@dataclass
class LabelledClips:
    """Generated clips with their labels: object shape, motion direction and which sound plays."""

    video: np.ndarray  # (N, T, S, S, 3) uint8
    audio: np.ndarray  # (N, sample_rate) float32
    shape: np.ndarray  # (N,) index into SHAPES
    direction: np.ndarray  # (N,) index into DIRECTIONS
    sound: np.ndarray  # (N,) index into the sound names


def decode_mono(path: Path, sample_rate: int) -> np.ndarray:
    """A whole sound file as float32 mono at `sample_rate` (PyAV decodes, resamples)."""
    from streams.frames import AudioChunk
    from streams.sources.media_file import MediaFileSource

    chunks = [f.samples for f in MediaFileSource(path, sample_rate=sample_rate).frames() if isinstance(f, AudioChunk)]
    if not chunks:
        raise EmptyDatasetError(f"{path}: no audio track")
    return np.concatenate(chunks).astype(np.float32) / 32768.0


def load_sound_bank(folder: Path, sample_rate: int) -> tuple[list[str], list[np.ndarray]]:
    """(names, waves) of the sound files in `folder` (at least two), decoded mono at `sample_rate`."""
    files = sorted(p for p in Path(folder).glob("*") if p.suffix.lower() in SOUND_SUFFIXES) if Path(folder).is_dir() else []
    if len(files) < 2:
        raise EmptyDatasetError(f"{folder}: need at least 2 sound files for the sound probe, found {len(files)}")
    return [p.stem for p in files], [decode_mono(p, sample_rate) for p in files]


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x * x))) + 1e-8


def _segment(rng: np.random.Generator, wave: np.ndarray, split: str, n: int) -> np.ndarray:
    """n samples from the split's part of `wave`, pitch-jittered; shorter parts are zero-padded."""
    cut = int(len(wave) * TRAIN_FRACTION)
    part = wave[:cut] if split == "train" else wave[cut:]
    # Pitch (and speed) jitter of +-8% by resampling: not the training waveform again.
    rate = rng.uniform(0.92, 1.08)
    part = np.interp(np.arange(0, len(part) - 1, rate), np.arange(len(part)), part).astype(np.float32)
    out = np.zeros(n, np.float32)
    if len(part) >= n:
        start = int(rng.integers(0, len(part) - n + 1))
        out[:] = part[start:start + n]
    else:
        start = int(rng.integers(0, n - len(part) + 1))
        out[start:start + len(part)] = part
    return out


def _video(rng: np.random.Generator, config: ModelConfig, shape: int, direction: int, seed: int) -> np.ndarray:
    size = config.image_size
    colors = list(PALETTE.values())
    radius = size * rng.uniform(0.14, 0.2)
    # 1.0-1.4 image widths per second: the shape crosses one or two patches during the clip.
    speed = size * rng.uniform(1.0, 1.4)
    span = speed * (config.frames - 1) / config.frame_rate
    dx, dy = _UNIT[DIRECTIONS[direction]]
    lo, hi = radius + 1, size - radius - 1
    # Start where the whole path stays in view.
    x = rng.uniform(lo - min(0.0, dx) * span, hi - max(0.0, dx) * span)
    y = rng.uniform(lo - min(0.0, dy) * span, hi - max(0.0, dy) * span)
    obj = SceneObject(id=1, shape=SHAPES[shape], color=colors[int(rng.integers(len(colors)))], position=(x, y),
                      velocity=(dx * speed, dy * speed), size=radius)
    scene = Scene(width=size, height=size, seed=seed, background=make_background(rng, size, size), objects=(obj,))
    band_top = int(rng.integers(0, size - size // 4))
    frames = []
    for k in range(config.frames):
        image = render(scene, k / config.frame_rate).image.copy()
        # The distractor: a band of random texture, new every frame, that no model can predict.
        coarse = rng.integers(0, 256, size=(size // 8, size // 2, 3), dtype=np.uint8)
        band = np.repeat(np.repeat(coarse, 2, axis=0), 2, axis=1)
        image[band_top:band_top + size // 4] = band[: min(size // 4, size - band_top)]
        frames.append(image)
    return np.stack(frames)


def make_clips(n: int, *, split: str, seed: int, config: ModelConfig, sounds: list[np.ndarray],
               noise: np.ndarray) -> LabelledClips:
    """n labelled clips; `split` picks the sounds' segments ("train" or "test"); `noise` is the bed."""
    rng = np.random.default_rng([seed, 11])
    sr = config.sample_rate
    video = np.empty((n, config.frames, config.image_size, config.image_size, 3), np.uint8)
    audio = np.empty((n, sr), np.float32)
    shapes = rng.integers(0, len(SHAPES), n)
    directions = rng.integers(0, len(DIRECTIONS), n)
    labels = rng.integers(0, len(sounds), n)
    for i in range(n):
        video[i] = _video(rng, config, int(shapes[i]), int(directions[i]), seed * 100_003 + i)
        sound = _segment(rng, sounds[labels[i]], split, sr)
        sound *= 0.1 / _rms(sound[np.abs(sound) > 1e-4]) if np.any(np.abs(sound) > 1e-4) else 0.0
        sound *= 10 ** (rng.uniform(-6, 6) / 20)  # random gain, +-6 dB
        start = int(rng.integers(0, len(noise) - sr))
        bed = noise[start:start + sr]
        bed = bed * (0.05 / _rms(bed)) * 10 ** (rng.uniform(-6, 3) / 20)
        hiss = rng.normal(0.0, 0.005, sr)
        audio[i] = np.clip(sound + bed + hiss, -1.0, 1.0)
    return LabelledClips(video, audio, shapes, directions, labels)


def sound_names_and_beds(sounds_dir: Path, noise_dir: Path, sample_rate: int
                         ) -> tuple[list[str], list[np.ndarray], np.ndarray, np.ndarray]:
    """(sound names, waves, the training noise bed, the test noise bed): beds are different files."""
    names, waves = load_sound_bank(sounds_dir, sample_rate)
    beds = sorted(p for p in Path(noise_dir).glob("*") if p.suffix.lower() in SOUND_SUFFIXES) if Path(noise_dir).is_dir() else []
    if len(beds) < 2:
        raise EmptyDatasetError(f"{noise_dir}: need 2 noise files (one for training, one for testing), found {len(beds)}")
    train_bed, test_bed = (decode_mono(p, sample_rate) for p in beds[:2])
    for bed, path in ((train_bed, beds[0]), (test_bed, beds[1])):
        if len(bed) <= sample_rate:
            raise EmptyDatasetError(f"{path}: noise bed shorter than a second")
    return names, waves, train_bed, test_bed

