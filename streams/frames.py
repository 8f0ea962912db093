"""One envelope for everything that flows through the pipeline.

Every frame carries `t_ns` (capture time on the pipeline's one monotonic timeline), `seq`
(a per-source counter, so gaps are visible) and `source` (a stable name such as "camera").
Live sources stamp at capture; replay keeps the recorded stamps. Nothing syncs on arrival time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

NS_PER_S = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Frame:
    """Base envelope: when it was captured, its place in its source's sequence, and where from."""

    t_ns: int
    seq: int
    source: str

    @property
    def kind(self) -> str:
        return type(self).KIND  # type: ignore[attr-defined]

    KIND = "frame"


@dataclass(frozen=True, slots=True)
class VideoFrame(Frame):
    """One camera image as HxWx3 uint8 RGB.

    `jpeg` keeps the compressed bytes when the frame came from (or is going to) a JPEG stream,
    so recording does not re-encode what the camera already encoded.
    """

    image: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0, 3), np.uint8))
    jpeg: bytes | None = field(repr=False, default=None)

    KIND = "video"

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True, slots=True)
class AudioChunk(Frame):
    """Mono pcm-s16 samples; `t_ns` is the capture time of the first sample."""

    samples: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, np.int16))
    sample_rate: int = 16_000

    KIND = "audio"

    @property
    def duration_ns(self) -> int:
        return len(self.samples) * NS_PER_S // self.sample_rate

    @property
    def end_ns(self) -> int:
        return self.t_ns + self.duration_ns


@dataclass(frozen=True, slots=True)
class ImuSample(Frame):
    """Accelerometer (m/s^2) and gyroscope (rad/s), each (x, y, z)."""

    accel: tuple[float, float, float] = (0.0, 0.0, 0.0)
    gyro: tuple[float, float, float] = (0.0, 0.0, 0.0)

    KIND = "imu"


@dataclass(frozen=True, slots=True)
class Event(Frame):
    """A named occurrence with a JSON-able payload (button press, telemetry, stream error...)."""

    name: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    KIND = "event"


@dataclass(frozen=True, slots=True)
class TruthEvent(Event):
    """Ground truth from the synthetic source, for scorers only: the agent never reads it."""

    KIND = "truth"


@dataclass(frozen=True, slots=True)
class EndOfStream(Frame):
    """Marks that a source has no more frames; `reason` is empty on a clean end."""

    reason: str = ""

    KIND = "eos"
