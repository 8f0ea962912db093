"""Training clips from recordings, media files and generated scenes.

A data spec is one of:
- `synthetic:SCENARIO[:SEEDS]`: the seeded synthetic source (streams/sources/synthetic), e.g.
  `synthetic:mixed:0-39` (seeds 0..39, each `--clip-seconds` long) or `synthetic:approach:1,2,5`;
- an `.mcap` recording, or a media file (mp4, mkv, wav, ...);
- a folder: every recording and media file in it.
Each source is cut into ticks exactly as the live pipeline does (TickSynchronizer), and each
tick becomes one clip through the same preprocessing as inference (preprocess.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from streams.errors import StreamError
from streams.frames import Frame
from streams.sources.media_file import MEDIA_SUFFIXES
from streams.sync import Tick, TickSynchronizer, ticks_of_frames

from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.errors import EmptyDatasetError, PerceptionError
from glasses_agent.perception.preprocess import LogMel, audio_window, video_clip

DEFAULT_SYNTHETIC_SEEDS = "0-7"


@dataclass
class ClipSet:
    """video (N, T, S, S, 3) uint8; mel (N, n_mels, frames) float32; has_audio (N,) bool."""

    video: np.ndarray
    mel: np.ndarray
    has_audio: np.ndarray

    def __len__(self) -> int:
        return len(self.video)

    def batch(self, index: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        from glasses_agent.perception.preprocess import video_tensor

        return video_tensor(self.video[index]), torch.from_numpy(self.mel[index])

    def split(self, holdout: float) -> tuple["ClipSet", "ClipSet"]:
        """The last `holdout` fraction as a held-out set (clips are in time order per source)."""
        n_eval = max(1, int(round(len(self) * holdout)))
        if len(self) < 2:
            raise EmptyDatasetError(f"need at least 2 clips to hold some out, got {len(self)}")
        cut = len(self) - n_eval
        return self.take(slice(0, cut)), self.take(slice(cut, None))

    def take(self, index) -> "ClipSet":
        return ClipSet(self.video[index], self.mel[index], self.has_audio[index])

    @staticmethod
    def concat(sets: list["ClipSet"]) -> "ClipSet":
        return ClipSet(np.concatenate([s.video for s in sets]), np.concatenate([s.mel for s in sets]),
                       np.concatenate([s.has_audio for s in sets]))


def parse_seeds(text: str) -> list[int]:
    seeds: list[int] = []
    try:
        for part in text.split(","):
            if "-" in part:
                lo, hi = part.split("-", 1)
                seeds.extend(range(int(lo), int(hi) + 1))
            elif part:
                seeds.append(int(part))
    except ValueError:
        raise PerceptionError(f"bad seed list {text!r}; expected e.g. 0-39 or 1,2,5") from None
    if not seeds:
        raise PerceptionError(f"bad seed list {text!r}: no seeds")
    return seeds


def _frame_sources(spec: str, clip_seconds: float) -> Iterator[tuple[str, Iterable[Frame]]]:
    if spec.startswith("synthetic:") or spec == "synthetic":
        from streams.sources.synthetic import SCENARIOS, SyntheticSource

        parts = spec.split(":")
        scenario = parts[1] if len(parts) > 1 and parts[1] else "mixed"
        if scenario not in SCENARIOS:
            raise PerceptionError(f"unknown synthetic scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}")
        for seed in parse_seeds(parts[2] if len(parts) > 2 else DEFAULT_SYNTHETIC_SEEDS):
            source = SyntheticSource(seed=seed, scenario=scenario, duration_s=clip_seconds, include_truth=False)
            yield f"synthetic:{scenario}:{seed}", source.frames()
        return
    path = Path(spec)
    if not path.exists():
        raise PerceptionError(f"{spec}: no such file or folder (expected a recording, a media file, a folder "
                              f"or synthetic:SCENARIO[:SEEDS])")
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in MEDIA_SUFFIXES | {".mcap"}) if path.is_dir() else [path]
    for file in files:
        if file.suffix.lower() == ".mcap":
            from streams.recording import McapReplaySource

            yield str(file), McapReplaySource(file).frames()
        elif file.suffix.lower() in MEDIA_SUFFIXES:
            from streams.sources.media_file import MediaFileSource

            yield str(file), MediaFileSource(file).frames()
        else:
            raise PerceptionError(f"{file}: unsupported file type {file.suffix!r}; expected .mcap or a media file")


def ticks_of(frames: Iterable[Frame], config: ModelConfig, tick_hz: float = 10.0) -> Iterator[Tick]:
    """The pipeline's ticks, keeping enough video history to cover the model's clip."""
    history = int(np.ceil(config.frames / config.frame_rate * 60)) + 1  # enough at up to 60 fps
    yield from ticks_of_frames(frames, TickSynchronizer(tick_hz=tick_hz, video_frames=history, sample_rate=config.sample_rate))


def clips_from_ticks(ticks: Iterable[Tick], config: ModelConfig, log_mel: LogMel,
                     skip_first_s: float = 1.0) -> ClipSet | None:
    """Clips for ticks with video; the first `skip_first_s` are skipped (audio window not full yet).
    Ticks without audio get the log-mel of silence and has_audio False."""
    videos, audios, flags = [], [], []
    start = None
    for tick in ticks:
        start = tick.t_ns if start is None else start
        if tick.t_ns - start < skip_first_s * 1e9:
            continue
        clip = video_clip(tick.video, tick.t_ns, config)
        if clip is None:
            continue
        audio = audio_window(tick, config)
        videos.append(clip)
        flags.append(audio is not None)
        audios.append(audio if audio is not None else np.zeros(config.sample_rate, np.float32))
    if not videos:
        return None
    mels = []
    with torch.inference_mode():
        for i in range(0, len(audios), 256):
            mels.append(log_mel(torch.from_numpy(np.stack(audios[i:i + 256]))).numpy())
    return ClipSet(np.stack(videos), np.concatenate(mels).astype(np.float32), np.array(flags))


def load_clips(specs: list[str], config: ModelConfig, *, clip_seconds: float = 10.0,
               progress=None) -> tuple[ClipSet, list[str]]:
    """All clips of all specs, and the names of the sources they came from."""
    log_mel = LogMel(config)
    sets, names = [], []
    for spec in specs:
        for name, frames in _frame_sources(spec, clip_seconds):
            try:
                clips = clips_from_ticks(ticks_of(frames, config), config, log_mel)
            except StreamError as err:
                raise PerceptionError(f"{name}: {err}") from None
            if progress is not None:
                progress(name, 0 if clips is None else len(clips))
            if clips is not None:
                sets.append(clips)
                names.append(name)
    if not sets:
        raise EmptyDatasetError(f"no clips with video in {', '.join(specs) or '(no data given)'}: "
                                f"training needs recordings or media with a camera track")
    return ClipSet.concat(sets), names
