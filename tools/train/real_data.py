"""Training clips streamed from the real recordings: `--data real:tuning` (train perception).

The tuning half of splits.toml (video; sounds and speech over the tuning noise bed) is read
from the files as training goes, never held whole in memory: each video file stays open and
is read onward (wrapping at its end), a bounded reservoir keeps the most recent segments
(`capacity` of them, each 0.8 s of frames at 20 fps, 64x64), and every batch replaces a few
segments before drawing. Each clip is augmented: a random crop (scale and aspect) resized to
the model's size, a horizontal flip, colour (brightness, contrast, per-channel gain) and speed
(the 4 model instants taken 1 to 4 reservoir frames apart: 0.5x to 2x). Its audio is one second
of a noise bed with 0 to 2 sounds or speech snippets mixed in (gain, start and +-10% speed
jitter); the short audio files are decoded once (3 MB in all).

`StreamedClips` answers `batch(index)` like a ClipSet, so the Trainer draws from it unchanged;
`MixedClips` puts the generated scenes in as one source among them.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.data import ClipSet
from glasses_agent.perception.errors import EmptyDatasetError, PerceptionError
from glasses_agent.perception.preprocess import LogMel, video_tensor

SEGMENT_FPS = 20.0
SEGMENT_FRAMES = 16  # 0.8 s: the model's 4 instants at up to 4 frames apart (2x speed)
STORE_SIZE = 64  # reservoir frames, cropped down to the model's image size
REAL_HALVES = ("tuning",)  # training never reads the reporting half


def decode_mono(path: Path, sample_rate: int) -> np.ndarray:
    """A whole sound file as float32 mono at `sample_rate`."""
    from tools.evals.probe.scenes import decode_mono as decode

    return decode(path, sample_rate)


class _VideoReader:
    """One file read onward, frame by frame, wrapping at its end: 0.8 s segments at 20 fps."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cap: cv2.VideoCapture | None = None
        self.fps = 0.0

    def _open(self) -> cv2.VideoCapture:
        if self.cap is None or not self.cap.isOpened():
            self.cap = cv2.VideoCapture(str(self.path))
            if not self.cap.isOpened():
                raise PerceptionError(f"{self.path}: cannot open the video")
            self.fps = self.cap.get(cv2.CAP_PROP_FPS) or 30.0
        return self.cap

    def segment(self, rng: np.random.Generator) -> np.ndarray | None:
        """SEGMENT_FRAMES frames (64x64 RGB) after skipping a random 0 to 1 s, or None at a bad file."""
        cap = self._open()
        for _ in range(int(rng.integers(0, max(1, int(self.fps))))):
            if not cap.grab():
                cap.release()
                cap = self._open()  # wrap around
                break
        step = self.fps / SEGMENT_FPS
        out, pos, need = [], 0.0, 0.0
        while len(out) < SEGMENT_FRAMES:
            ok, frame = cap.read()
            if not ok:
                cap.release()
                self.cap = None
                return None if not out else self._pad(out)
            if pos >= need:
                out.append(cv2.resize(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), (STORE_SIZE, STORE_SIZE),
                                      interpolation=cv2.INTER_AREA))
                need += step
            pos += 1.0
        return np.stack(out)

    @staticmethod
    def _pad(frames: list[np.ndarray]) -> np.ndarray:
        return np.stack(frames + [frames[-1]] * (SEGMENT_FRAMES - len(frames)))


class StreamedClips:
    """Augmented clips drawn from a bounded reservoir refilled from the real files as batches go."""

    def __init__(self, videos: list[Path], sounds: list[Path], noises: list[Path], config: ModelConfig, *,
                 seed: int = 0, capacity: int = 256, refresh: int = 8, nominal_len: int = 100_000) -> None:
        if not videos:
            raise EmptyDatasetError("real: no video files in the tuning half")
        if not noises or not sounds:
            raise EmptyDatasetError("real: no sounds or noise beds in the tuning half")
        self.config = config
        self.rng = np.random.default_rng([seed, 31])
        self.readers = [_VideoReader(p) for p in videos]
        self.sounds = [decode_mono(p, config.sample_rate) for p in sounds]
        self.noises = [decode_mono(p, config.sample_rate) for p in noises]
        self.log_mel = LogMel(config)
        self.capacity, self.refresh, self.nominal_len = capacity, refresh, nominal_len
        self.reservoir: list[np.ndarray] = []
        self.names = [str(p) for p in videos]
        while len(self.reservoir) < min(capacity, 4 * len(self.readers)):
            self._add_segment()

    def __len__(self) -> int:
        return self.nominal_len

    def _add_segment(self) -> None:
        for _ in range(len(self.readers)):
            seg = self.readers[int(self.rng.integers(0, len(self.readers)))].segment(self.rng)
            if seg is not None:
                break
        else:
            raise EmptyDatasetError("real: no video file gave frames")
        if len(self.reservoir) < self.capacity:
            self.reservoir.append(seg)
        else:
            self.reservoir[int(self.rng.integers(0, self.capacity))] = seg

    def _video(self) -> np.ndarray:
        c, rng = self.config, self.rng
        seg = self.reservoir[int(rng.integers(0, len(self.reservoir)))]
        stride = int(rng.integers(1, 5))
        start = int(rng.integers(0, SEGMENT_FRAMES - stride * (c.frames - 1)))
        frames = seg[start:start + stride * c.frames:stride]
        scale, aspect = rng.uniform(0.55, 1.0), np.exp(rng.uniform(-0.25, 0.25))
        h = int(min(STORE_SIZE, round(STORE_SIZE * scale / np.sqrt(aspect))))
        w = int(min(STORE_SIZE, round(STORE_SIZE * scale * np.sqrt(aspect))))
        y, x = int(rng.integers(0, STORE_SIZE - h + 1)), int(rng.integers(0, STORE_SIZE - w + 1))
        out = np.stack([cv2.resize(f[y:y + h, x:x + w], (c.image_size, c.image_size), interpolation=cv2.INTER_AREA)
                        for f in frames]).astype(np.float32)
        if rng.random() < 0.5:
            out = out[:, :, ::-1]
        gain = rng.uniform(0.85, 1.15, size=3) * rng.uniform(0.7, 1.3)
        mean = out.mean()
        out = (out - mean) * rng.uniform(0.7, 1.3) + mean
        return np.clip(out * gain, 0, 255).astype(np.uint8)

    def _audio(self) -> np.ndarray:
        rng, n = self.rng, self.config.sample_rate
        noise = self.noises[int(rng.integers(0, len(self.noises)))]
        start = int(rng.integers(0, max(1, len(noise) - n)))
        out = noise[start:start + n].copy() * rng.uniform(0.2, 1.5)
        if len(out) < n:
            out = np.pad(out, (0, n - len(out)))
        for _ in range(int(rng.integers(0, 3))):
            wave = self.sounds[int(rng.integers(0, len(self.sounds)))]
            rate = rng.uniform(0.9, 1.1)
            wave = np.interp(np.arange(0, len(wave) - 1, rate), np.arange(len(wave)), wave).astype(np.float32)
            if len(wave) > n:
                s = int(rng.integers(0, len(wave) - n))
                wave = wave[s:s + n]
            at = int(rng.integers(0, n - len(wave) + 1))
            out[at:at + len(wave)] += wave * rng.uniform(0.3, 2.0)
        return np.clip(out, -1, 1).astype(np.float32)

    def draw(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """`count` fresh clips: video (count, T, S, S, 3) uint8, mel (count, n_mels, frames) float32."""
        for _ in range(self.refresh):
            self._add_segment()
        video = np.stack([self._video() for _ in range(count)])
        audio = np.stack([self._audio() for _ in range(count)])
        with torch.inference_mode():
            mel = self.log_mel(torch.from_numpy(audio)).numpy().astype(np.float32)
        return video, mel

    def batch(self, index: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """As ClipSet.batch, but fresh draws: the index only says how many."""
        video, mel = self.draw(len(index))
        return video_tensor(video), torch.from_numpy(mel)

    def fixed_set(self, count: int) -> ClipSet:
        """A held-out set drawn once (for the trainer's evaluation at fixed clips)."""
        video, mel = self.draw(count)
        return ClipSet(video, mel, np.ones(count, bool))


class MixedClips:
    """Each batch: a `share` of clips from a fixed ClipSet (the generated scenes), the rest streamed."""

    def __init__(self, stream: StreamedClips, generated: ClipSet | None, share: float, seed: int = 0) -> None:
        self.stream, self.generated, self.share = stream, generated, share if generated is not None else 0.0
        self.rng = np.random.default_rng([seed, 37])

    def __len__(self) -> int:
        return len(self.stream)

    def batch(self, index: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """len(index) clips: round(share * n) generated, the rest from the real stream."""
        n_gen = int(round(self.share * len(index))) if self.generated is not None else 0
        v, m = self.stream.batch(np.arange(len(index) - n_gen))
        if n_gen:
            gv, gm = self.generated.batch(self.rng.integers(0, len(self.generated), size=n_gen))
            v, m = torch.cat([v, gv]), torch.cat([m, gm])
        return v, m


def real_stream(spec: str, config: ModelConfig, seed: int = 0) -> StreamedClips:
    """The stream of a `real:HALF` spec (only `real:tuning`: the reporting half is never trained on)."""
    from tools import data_splits

    half = spec.split(":", 1)[1] if ":" in spec else "tuning"
    if half not in REAL_HALVES:
        raise PerceptionError(f"{spec}: training reads only real:tuning (the reporting half is held out)")
    return StreamedClips(data_splits.tuning("video"), data_splits.tuning("sounds") + data_splits.tuning("speech"),
                         data_splits.tuning("noise"), config, seed=seed)
