"""The perception model's shape: everything needed to rebuild it from a checkpoint's JSON.

Inputs are fixed by the config, not by the source: video is resampled to `frame_rate` and
resized to `image_size`, audio becomes a `n_mels`-bin log-mel of one second at `sample_rate`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from glasses_agent.perception.errors import CheckpointError


@dataclass(frozen=True)
class ModelConfig:
    """The perception model's shapes: video clip and tubelets, audio spectrogram and patches, widths and
    depths."""

    # video: `frames` frames at `frame_rate`, ending at the tick, `image_size` square, RGB
    frames: int = 4
    frame_rate: float = 10.0
    image_size: int = 48
    tubelet_frames: int = 2
    patch_size: int = 8
    # audio: one second at `sample_rate` as a log-mel spectrogram, patches of mel x time
    sample_rate: int = 16_000
    n_mels: int = 64
    hop_length: int = 250  # 64 spectrogram frames a second
    n_fft: int = 512
    audio_frames: int = 64
    mel_patch: int = 16
    time_patch: int = 8
    # the shared (fusion) encoder and the narrow predictor
    width: int = 128
    depth: int = 4
    heads: int = 4
    mlp_ratio: float = 4.0
    predictor_width: int = 64
    predictor_depth: int = 2
    predictor_heads: int = 4

    @property
    def video_grid(self) -> tuple[int, int, int]:
        side = self.image_size // self.patch_size
        return (self.frames // self.tubelet_frames, side, side)

    @property
    def audio_grid(self) -> tuple[int, int]:
        return (self.audio_frames // self.time_patch, self.n_mels // self.mel_patch)

    @property
    def video_tokens(self) -> int:
        t, h, w = self.video_grid
        return t * h * w

    @property
    def audio_tokens(self) -> int:
        t, f = self.audio_grid
        return t * f

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise CheckpointError(f"checkpoint config has unknown fields {unknown}; it is not a perception model config")
        try:
            config = cls(**data)
        except TypeError as err:
            raise CheckpointError(f"checkpoint config is malformed: {err}") from None
        config.validate()
        return config

    def validate(self) -> None:
        checks = [
            (self.frames % self.tubelet_frames == 0, "frames must be a multiple of tubelet_frames"),
            (self.image_size % self.patch_size == 0, "image_size must be a multiple of patch_size"),
            (self.n_mels % self.mel_patch == 0, "n_mels must be a multiple of mel_patch"),
            (self.audio_frames % self.time_patch == 0, "audio_frames must be a multiple of time_patch"),
            (self.width % self.heads == 0, "width must be a multiple of heads"),
            (self.predictor_width % self.predictor_heads == 0, "predictor_width must be a multiple of predictor_heads"),
            (self.frame_rate > 0 and self.sample_rate > 0, "rates must be positive"),
        ]
        for ok, message in checks:
            if not ok:
                raise CheckpointError(f"bad perception config: {message}")
