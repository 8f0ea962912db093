"""From ticks to model inputs: video resampled to the model's frame rate and size, audio to log-mel.

The same functions serve training and inference, so the model sees identical inputs in both.
Video of any rate: for each of the model's `frames` instants (spaced 1/frame_rate, the last at
the tick), take the newest frame captured at or before it; instants older than every frame
available take the oldest (a camera that just started repeats its first frame).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import torch

from streams.frames import NS_PER_S, VideoFrame
from streams.sync import Tick

from glasses_agent.perception.config import ModelConfig

# Fixed normalisation: inputs keep their absolute brightness and loudness (no per-clip scaling).
PIXEL_MEAN, PIXEL_STD = 0.45, 0.25
LOG_MEL_OFFSET, LOG_MEL_SCALE = 2.5, 2.0  # log(mel + 1e-6) of scene audio -> about mean 0, std 1
HALVE_FIRST = 4  # a frame this many times the model's size each way is halved first (`resize_frame`)


def resize_frame(image: np.ndarray, size: int) -> np.ndarray:
    """HxWx3 uint8 -> size x size x 3, area-averaged (no aliasing shimmer on texture).

    The frame is squashed to a square rather than cropped: nothing at the edges is lost.
    A frame at least HALVE_FIRST times the size each way whose sides do not divide by it (848x480
    to 48: OpenCV's slow fractional area path, ~0.8 ms) is first halved by 2x2 means (OpenCV's
    whole-factor path, ~0.1 ms) and the half area-resized (~0.1 ms): each output pixel still
    averages the same area, its weights at the area's edges rounded to half-source-pixel steps
    (gopro walk: 99.7% of values within 1 of the direct resize, at most 4, +0.12 on average from
    the halving's rounding up). Training and inference both come here, so they see the same."""
    h, w = image.shape[:2]
    if h == size and w == size:
        return np.ascontiguousarray(image)
    if (min(h, w) >= HALVE_FIRST * size and h % 2 == 0 and w % 2 == 0
            and (h % size or w % size)):
        image = cv2.resize(image, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    return cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)


def clip_picks(frames: Sequence[VideoFrame], t_ns: int, config: ModelConfig) -> tuple[list[VideoFrame], np.ndarray]:
    """(the frames with pixels in time order, the index among them each of the clip's instants
    shows); picks is empty with no such frames. The one rule for which frame an instant shows."""
    usable = sorted((f for f in frames if f.has_image), key=lambda f: (f.t_ns, f.seq))  # has_image: no decoding
    if not usable:
        return usable, np.zeros(0, np.int64)
    stamps = np.array([f.t_ns for f in usable], np.int64)
    period = int(round(NS_PER_S / config.frame_rate))
    instants = t_ns - period * np.arange(config.frames - 1, -1, -1, dtype=np.int64)
    return usable, np.clip(np.searchsorted(stamps, instants, side="right") - 1, 0, len(usable) - 1)


def video_clip(frames: Sequence[VideoFrame], t_ns: int, config: ModelConfig) -> np.ndarray | None:
    """(frames, S, S, 3) uint8 at the model's instants ending at t_ns; None with no frames."""
    usable, picks = clip_picks(frames, t_ns, config)
    if not usable:
        return None
    resized: dict[int, np.ndarray] = {}
    out = np.empty((config.frames, config.image_size, config.image_size, 3), np.uint8)
    for k, i in enumerate(picks):
        if int(i) not in resized:
            image = usable[int(i)].image
            if image.ndim != 3 or image.shape[2] != 3:
                raise ValueError(f"video frames must be HxWx3 RGB, got shape {image.shape}")
            resized[int(i)] = resize_frame(image, config.image_size)
        out[k] = resized[int(i)]
    return out


def audio_window(tick: Tick, config: ModelConfig) -> np.ndarray | None:
    """The tick's last second as float32 in [-1, 1] at the model's rate; None with no audio."""
    if tick.audio_coverage <= 0 or tick.audio.size == 0:
        return None
    samples = tick.audio.astype(np.float32) / 32768.0
    if tick.sample_rate != config.sample_rate:
        import torchaudio.functional as AF

        samples = AF.resample(torch.from_numpy(samples), tick.sample_rate, config.sample_rate).numpy()
    n = config.sample_rate
    if len(samples) >= n:
        return samples[-n:]
    return np.concatenate([np.zeros(n - len(samples), np.float32), samples])


class LogMel:
    """One second of samples -> (n_mels, audio_frames) normalised log-mel (the last frames)."""

    def __init__(self, config: ModelConfig) -> None:
        import torchaudio

        self.config = config
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=config.sample_rate, n_fft=config.n_fft, hop_length=config.hop_length, n_mels=config.n_mels
        )

    def __call__(self, samples: torch.Tensor) -> torch.Tensor:
        """samples (B, sample_rate) float -> (B, n_mels, audio_frames)."""
        spec = self.mel(samples)[..., -self.config.audio_frames:]
        return (torch.log(spec + 1e-6) + LOG_MEL_OFFSET) / LOG_MEL_SCALE


def video_tensor(clips: np.ndarray) -> torch.Tensor:
    """(B, T, S, S, 3) uint8 -> (B, 3, T, S, S) normalised float."""
    x = torch.from_numpy(np.ascontiguousarray(clips)).float().div_(255.0)
    return (x.permute(0, 4, 1, 2, 3) - PIXEL_MEAN) / PIXEL_STD
