"""How each frame type is laid out in MCAP: channel kinds, schemas, and payload encode/decode.

Camera and microphone use Foxglove's published protobuf schemas (`foxglove.CompressedImage`,
`foxglove.RawAudio`) so Foxglove's Image and Audio panels open them, and images stay compact
bytes rather than base64 text. IMU, events, ground truth and stream ends are small, so they are
JSON with a JSON Schema: readable in Foxglove's raw view and plottable field by field.

What a frame needs besides the payload:
- `t_ns` plus the recording's wall-clock offset (`LOG_TIME_OFFSET` in each channel's metadata)
  is the message's log_time and publish_time (and the Foxglove `timestamp` field), so Foxglove
  shows the capture date; JSON payloads keep `t_ns` itself;
- `seq` is the MCAP message `sequence` (and, in JSON payloads, a `seq` field, which wins);
- `source` is the channel's metadata for camera/microphone (one channel per source), and a
  field of the JSON payload for the rest.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from foxglove_schemas_protobuf.CompressedImage_pb2 import CompressedImage
from foxglove_schemas_protobuf.RawAudio_pb2 import RawAudio
from google.protobuf import descriptor_pb2

from streams.errors import RecordingError
from streams.frames import AudioChunk, EncodedVideoFrame, EndOfStream, Event, Frame, ImuSample, TruthEvent, VideoFrame
from streams.images import decode_image, jpeg_shape

NS_PER_S = 1_000_000_000
UINT32_LIMIT = 2**32
JPEG_QUALITY = 85

# Channel kinds, kept in each channel's metadata so a reader never guesses from topic names.
VIDEO, AUDIO, IMU, EVENT, TRUTH, EOS = "video", "audio", "imu", "event", "truth", "eos"
FRAME_KINDS = (VIDEO, AUDIO, IMU, EVENT, TRUTH, EOS)

# Channel metadata key: log_time - t_ns for every message of the channel (absent: 0, older files).
LOG_TIME_OFFSET = "log_time_offset_ns"
# The metadata record that says when the recording started, by the wall clock.
START_METADATA = "glasses.recording"

IMAGE_SCHEMA = "foxglove.CompressedImage"
AUDIO_SCHEMA = "foxglove.RawAudio"
IMU_SCHEMA = "glasses.ImuSample"
EVENT_SCHEMA = "glasses.Event"
TRUTH_SCHEMA = "glasses.TruthEvent"
EOS_SCHEMA = "glasses.EndOfStream"

# Files written by other tools carry no `kind` metadata: recognise them by schema name.
KIND_BY_SCHEMA = {
    IMAGE_SCHEMA: VIDEO,
    AUDIO_SCHEMA: AUDIO,
    IMU_SCHEMA: IMU,
    EVENT_SCHEMA: EVENT,
    TRUTH_SCHEMA: TRUTH,
    EOS_SCHEMA: EOS,
}

_INT = {"type": "integer"}
_STR = {"type": "string"}
_VEC3 = {"type": "array", "items": {"type": "number"}, "minItems": 3, "maxItems": 3}
_STAMP = {
    "t_ns": {**_INT, "description": "capture time on the pipeline's monotonic timeline (ns)"},
    "seq": {**_INT, "description": "per-source counter; a jump means frames were lost"},
    "source": {**_STR, "description": "the stream this came from, e.g. imu, button, synthetic"},
}


def _object_schema(title: str, description: str, **properties: dict[str, Any]) -> dict[str, Any]:
    props = {**_STAMP, **properties}
    return {"title": title, "description": description, "type": "object", "properties": props, "required": list(props)}


JSON_SCHEMAS: dict[str, dict[str, Any]] = {
    IMU_SCHEMA: _object_schema(
        IMU_SCHEMA,
        "One IMU reading: accelerometer in m/s^2 and gyroscope in rad/s, each [x, y, z].",
        accel=_VEC3,
        gyro=_VEC3,
    ),
    EVENT_SCHEMA: _object_schema(
        EVENT_SCHEMA, "A named occurrence (button press, telemetry, stream error) with a JSON payload.",
        name=_STR, data={"type": "object"},
    ),
    TRUTH_SCHEMA: _object_schema(
        TRUTH_SCHEMA, "Ground truth from a synthetic scene, for scorers only: the agent never reads it.",
        name=_STR, data={"type": "object"},
    ),
    EOS_SCHEMA: _object_schema(
        EOS_SCHEMA, "A source ended; reason is empty on a clean end.", reason=_STR,
    ),
}


def protobuf_schema_data(message_class: Any) -> bytes:
    """The FileDescriptorSet that MCAP's protobuf profile wants: the type's file and all its imports.

    Dependencies go first so a reader can build its descriptor pool in one pass.
    """
    descriptor_set = descriptor_pb2.FileDescriptorSet()
    seen: set[str] = set()

    def add(file_descriptor: Any) -> None:
        if file_descriptor.name in seen:
            return
        seen.add(file_descriptor.name)
        for dependency in file_descriptor.dependencies:
            add(dependency)
        file_descriptor.CopyToProto(descriptor_set.file.add())

    add(message_class.DESCRIPTOR.file)
    return descriptor_set.SerializeToString()


def kind_of(frame: Frame) -> str:
    # TruthEvent subclasses Event, so test it first.
    for cls, kind in ((TruthEvent, TRUTH), (Event, EVENT), (VideoFrame, VIDEO), (AudioChunk, AUDIO),
                      (ImuSample, IMU), (EndOfStream, EOS)):
        if isinstance(frame, cls):
            return kind
    raise RecordingError(f"cannot record a {type(frame).__name__}: not a frame type of streams.frames")


def _json_default(value: Any) -> Any:
    # Stages often put numpy scalars or small arrays into event data; JSON takes them as numbers/lists.
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def dump_json(obj: Any, what: str) -> bytes:
    try:
        return json.dumps(obj, default=_json_default, separators=(",", ":")).encode()
    except (TypeError, ValueError) as err:
        raise RecordingError(f"cannot record {what}: {err}") from None


def _set_timestamp(stamp: Any, t_ns: int) -> None:
    stamp.seconds, stamp.nanos = divmod(t_ns, NS_PER_S)


def encode_jpeg(image: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    import cv2  # lazily: importing streams must stay cheap

    if image.dtype != np.uint8 or image.ndim not in (2, 3) or image.size == 0:
        raise RecordingError(f"cannot encode image of shape {image.shape} and dtype {image.dtype} as JPEG")
    # Frames are RGB; OpenCV encodes BGR.
    bgr = image if image.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RecordingError(f"OpenCV could not encode an image of shape {image.shape} as JPEG")
    return buf.tobytes()


def encode_payload(frame: Frame, kind: str, stamp_ns: int | None = None) -> bytes:
    """The message bytes for one frame on a channel of `kind`. `stamp_ns` is the protobuf
    `timestamp` (the message's log time: wall clock in a recording that carries one); JSON
    payloads keep the frame's own `t_ns`."""
    stamp_ns = frame.t_ns if stamp_ns is None else stamp_ns
    if kind == VIDEO:
        assert isinstance(frame, VideoFrame)
        data = frame.jpeg if frame.jpeg is not None else encode_jpeg(frame.image)
        image = CompressedImage(frame_id=frame.source, data=data, format="jpeg")
        _set_timestamp(image.timestamp, stamp_ns)
        return image.SerializeToString()
    if kind == AUDIO:
        assert isinstance(frame, AudioChunk)
        samples = np.asarray(frame.samples)
        if samples.ndim != 1 or samples.dtype != np.int16:
            raise RecordingError(f"{frame.source}: audio must be mono int16, got {samples.dtype} {samples.shape}")
        audio = RawAudio(
            data=samples.astype("<i2", copy=False).tobytes(),  # pcm-s16 is little-endian by definition
            format="pcm-s16",
            sample_rate=int(frame.sample_rate),
            number_of_channels=1,
        )
        _set_timestamp(audio.timestamp, stamp_ns)
        return audio.SerializeToString()
    body: dict[str, Any] = {"t_ns": frame.t_ns, "seq": frame.seq, "source": frame.source}
    if kind == IMU:
        assert isinstance(frame, ImuSample)
        body["accel"] = [float(v) for v in frame.accel]
        body["gyro"] = [float(v) for v in frame.gyro]
    elif kind in (EVENT, TRUTH):
        assert isinstance(frame, Event)
        body["name"] = frame.name
        body["data"] = frame.data
    else:
        assert isinstance(frame, EndOfStream)
        body["reason"] = frame.reason
    return dump_json(body, f"{kind} {frame.source!r} seq {frame.seq}")


def decode_payload(kind: str, source: str, t_ns: int, sequence: int, data: bytes, *,
                   decode_when_read: bool = True) -> Frame:
    """Rebuild the frame of one message. Raises ValueError (or a protobuf/JSON error) on bad data.
    A JPEG image waits to be decoded until its pixels are read, unless `decode_when_read` is False."""
    if kind == VIDEO:
        image = CompressedImage.FromString(data)
        is_jpeg = image.format.lower() in ("jpeg", "jpg")
        shape = jpeg_shape(image.data) if is_jpeg and decode_when_read else None
        if shape is not None:
            # Decoded when its pixels are first read (most replayed frames never are); a JPEG
            # whose header does not read is decoded now, and fails here if it does not decode.
            return EncodedVideoFrame(t_ns, sequence, source, jpeg=image.data, encoded=image.data, shape=shape)
        return VideoFrame(
            t_ns=t_ns, seq=sequence, source=source,
            image=decode_image(image.data), jpeg=image.data if is_jpeg else None,
        )
    if kind == AUDIO:
        audio = RawAudio.FromString(data)
        if audio.format != "pcm-s16":
            raise ValueError(f"audio format {audio.format!r} is not pcm-s16")
        samples = np.frombuffer(audio.data, "<i2").astype(np.int16)
        channels = max(1, audio.number_of_channels)
        if channels > 1:  # other tools' stereo: AudioChunk is mono, so mix down
            samples = samples[: len(samples) // channels * channels].reshape(-1, channels)
            samples = samples.mean(axis=1).round().astype(np.int16)
        return AudioChunk(t_ns=t_ns, seq=sequence, source=source, samples=samples, sample_rate=audio.sample_rate)
    body = json.loads(data)
    seq, source = int(body.get("seq", sequence)), str(body.get("source", source))
    if kind == IMU:
        accel = tuple(float(v) for v in body["accel"])
        gyro = tuple(float(v) for v in body["gyro"])
        if len(accel) != 3 or len(gyro) != 3:
            raise ValueError("accel and gyro must have three components")
        return ImuSample(t_ns=t_ns, seq=seq, source=source, accel=accel, gyro=gyro)  # type: ignore[arg-type]
    if kind in (EVENT, TRUTH):
        cls = TruthEvent if kind == TRUTH else Event
        return cls(t_ns=t_ns, seq=seq, source=source, name=str(body["name"]), data=dict(body.get("data") or {}))
    return EndOfStream(t_ns=t_ns, seq=seq, source=source, reason=str(body.get("reason", "")))
