"""One envelope for everything that flows through the pipeline.

Every frame carries `t_ns` (capture time on the pipeline's one monotonic timeline), `seq`
(a per-source counter, so gaps are visible) and `source` (a stable name such as "camera").
Live sources stamp at capture; replay keeps the recorded stamps. Nothing syncs on arrival time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from streams.images import ImageDecodeError, decode_image

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

    @property
    def has_image(self) -> bool:
        """Whether the frame holds pixels; asks without decoding a frame still kept compressed."""
        return self.image.size > 0


_IMAGE_SLOT = VideoFrame.__dict__["image"]  # where a VideoFrame keeps its pixels
_NOT_DECODED = object()


class EncodedVideoFrame(VideoFrame):
    """A VideoFrame kept as its compressed bytes until its pixels are first read.

        frame = EncodedVideoFrame(t_ns, seq, "camera", encoded=data, shape=(480, 848), jpeg=data)
        frame.has_image, frame.width     # from `shape`: nothing decoded yet
        frame.image                      # decoded now, once (any thread), then kept

    To every reader it is the VideoFrame the eager decode would have made: the same pixels
    (`streams.images.decode_image`, the one decoder), the same `jpeg` bytes for recordings and
    traces, `dataclasses.replace` gives a frame with the pixels. Replays make these only for
    JPEGs whose header `jpeg_shape` read, so `shape` is the decoded size; pixels that then fail to
    decode raise ImageDecodeError (naming the frame) where they are read, as the eager decode
    raised where the frame was read.
    """

    __slots__ = ("_encoded", "_shape", "_lock")

    def __init__(self, t_ns: int, seq: int, source: str, image: Any = _NOT_DECODED, jpeg: bytes | None = None,
                 *, encoded: bytes | None = None, shape: tuple[int, int] = (0, 0)) -> None:
        if image is _NOT_DECODED and encoded is None:
            raise ValueError("an EncodedVideoFrame needs its pixels or its encoded bytes")
        object.__setattr__(self, "_encoded", encoded)
        object.__setattr__(self, "_shape", shape)
        object.__setattr__(self, "_lock", threading.Lock())
        super().__init__(t_ns, seq, source, image, jpeg)  # type: ignore[arg-type]

    def _get_image(self) -> np.ndarray:
        image = _IMAGE_SLOT.__get__(self)
        if image is not _NOT_DECODED:
            return image
        # Two stages may want the newest frame at once (the detectors, the object memory): one
        # decodes, the other waits for it rather than decoding it again.
        with self._lock:
            image = _IMAGE_SLOT.__get__(self)
            if image is _NOT_DECODED:
                try:
                    image = decode_image(self._encoded)  # type: ignore[arg-type]
                except ImageDecodeError as err:
                    raise ImageDecodeError(f"{self.source} frame {self.seq} at t_ns={self.t_ns}: {err}") from None
                _IMAGE_SLOT.__set__(self, image)
        return image

    def _set_image(self, image: Any) -> None:  # only __init__ reaches here: the frame is frozen
        _IMAGE_SLOT.__set__(self, image)

    image = property(_get_image, _set_image)  # type: ignore[assignment]

    @property
    def decoded(self) -> bool:
        return _IMAGE_SLOT.__get__(self) is not _NOT_DECODED

    @property
    def width(self) -> int:
        return int(self._shape[1]) if not self.decoded else super().width

    @property
    def height(self) -> int:
        return int(self._shape[0]) if not self.decoded else super().height

    @property
    def has_image(self) -> bool:
        return self._shape[0] * self._shape[1] > 0 if not self.decoded else super().has_image


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
