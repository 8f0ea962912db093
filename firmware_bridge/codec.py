"""Payloads on the wire <-> `streams` frames and plain records, with every check in one place.

`decode_up` turns one device -> agent message into a frame (camera, audio, imu, telemetry,
button) or a record (status, ack, feedback, time request), or raises `Rejected` with a code
from the protocol's error list. The bridge counts and reports each rejection on the device's
error topic; nothing a device sends can stop the bridge.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from firmware_bridge import protocol as P
from streams.frames import AudioChunk, Event, Frame, ImuSample, VideoFrame


class Rejected(Exception):
    """A message the bridge refuses; `code` is one of error.json's codes."""

    def __init__(self, code: str, detail: str, seq: int | None = None) -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail, self.seq = code, detail, seq


@dataclass(frozen=True)
class Message:
    """A decoded device message: `frame` for streams, `record` for control topics."""

    device_id: str
    name: str  # topic name after the device id
    frame: Frame | None = None
    record: dict[str, Any] | None = None


@lru_cache(maxsize=None)
def schema(file_name: str) -> dict[str, Any]:
    return json.loads(resources.files("firmware_bridge.schemas").joinpath(file_name).read_text())


@lru_cache(maxsize=None)
def _validator(file_name: str):  # noqa: ANN202
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(file_name))


def check(file_name: str, value: Any) -> None:
    """Raise Rejected('bad_schema') naming the first problem, as a firmware engineer reads it."""
    error = next(iter(sorted(_validator(file_name).iter_errors(value), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(message)"
        seq = value.get("seq") if isinstance(value, dict) and isinstance(value.get("seq"), int) else None
        raise Rejected("bad_schema", f"{where}: {error.message[:200]}", seq)


def _version_of(value: Any) -> None:
    v = value.get("v") if isinstance(value, dict) else None
    if v is not None and v != P.PROTOCOL_VERSION and not isinstance(v, bool):
        raise Rejected("unsupported_version", f"protocol version {str(v)[:20]} is not supported; this bridge speaks {P.PROTOCOL_VERSION}")


def _json(name: str, payload: bytes) -> dict[str, Any]:
    if len(payload) > P.MAX_JSON_BYTES:
        raise Rejected("too_large", f"{len(payload)} bytes; JSON messages are at most {P.MAX_JSON_BYTES}")
    try:
        value = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise Rejected("bad_json", f"not UTF-8 JSON: {str(err)[:120]}") from None
    if not isinstance(value, dict):
        raise Rejected("bad_json", f"expected a JSON object, got {type(value).__name__}")
    _version_of(value)
    check(P.TOPICS[name].schema, value)  # type: ignore[arg-type]
    return value


def _properties(name: str, props: dict[str, str]) -> tuple[int, int]:
    if "v" in props and props["v"] != str(P.PROTOCOL_VERSION):
        raise Rejected("unsupported_version", f"protocol version {props['v'][:20]!r} is not supported; this bridge speaks {P.PROTOCOL_VERSION}")
    check(P.TOPICS[name].schema, props)  # type: ignore[arg-type]
    return int(props["seq"]), int(props["t_ns"])


def _check_clock(t_ns: int, now_ns: int, seq: int) -> None:
    if abs(t_ns - now_ns) > P.MAX_CLOCK_SKEW_NS:
        raise Rejected("clock_unsynced", f"t_ns {t_ns} is {(t_ns - now_ns) / 1e9:+.1f} s from the agent's clock: do the time exchange", seq)


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's frame header, walking its markers; Rejected if malformed.

    Checking structure first is what makes a truncated file a rejection: decoders happily
    return a half-grey image for a JPEG cut short.
    """
    if len(data) < 4 or data[:2] != b"\xff\xd8":
        raise Rejected("bad_jpeg", "does not start with the JPEG SOI marker FF D8")
    if data[-2:] != b"\xff\xd9":
        raise Rejected("bad_jpeg", "does not end with the JPEG EOI marker FF D9 (truncated?)")
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise Rejected("bad_jpeg", f"expected a marker at byte {i}")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if length < 2 or i + 2 + length > len(data):
            raise Rejected("bad_jpeg", f"segment FF {marker:02X} at byte {i} runs past the end")
        if marker in (0xC0, 0xC1, 0xC2):  # SOF0/1/2: baseline, extended, progressive
            if length < 8:
                raise Rejected("bad_jpeg", "frame header too short")
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        if marker == 0xDA:
            break
        i += 2 + length
    raise Rejected("bad_jpeg", "no frame header (SOF0/1/2) before the image data")


def decode_jpeg(data: bytes, seq: int) -> np.ndarray:
    import cv2

    if len(data) > P.MAX_JPEG_BYTES:
        raise Rejected("too_large", f"JPEG of {len(data)} bytes; at most {P.MAX_JPEG_BYTES}", seq)
    try:
        width, height = jpeg_size(data)
    except Rejected as err:
        raise Rejected(err.code, err.detail, seq) from None
    lo, hi = P.MIN_IMAGE_SIDE, P.MAX_IMAGE_SIDE
    if not (lo <= width <= hi and lo <= height <= hi):
        raise Rejected("bad_size", f"image {width}x{height}; each side must be {lo}..{hi}", seq)
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None or bgr.shape[:2] != (height, width):
        raise Rejected("bad_jpeg", "the JPEG does not decode", seq)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def decode_up(topic: str, payload: bytes, props: dict[str, str], now_ns: int) -> Message:
    """One device -> agent message, checked; `props` are its MQTT v5 user properties."""
    device_id, name = P.parse_topic(topic)
    spec = P.TOPICS.get(name)
    if device_id is None or spec is None or spec.direction != "up":
        raise Rejected("bad_topic", f"{topic[:120]!r} is not a device topic of protocol {P.PROTOCOL_VERSION}")
    if name == "camera":
        seq, t_ns = _properties(name, props)
        _check_clock(t_ns, now_ns, seq)
        image = decode_jpeg(payload, seq)
        return Message(device_id, name, frame=VideoFrame(t_ns=t_ns, seq=seq, source="camera", image=image, jpeg=payload))
    if name == "audio":
        seq, t_ns = _properties(name, props)
        _check_clock(t_ns, now_ns, seq)
        if len(payload) > P.MAX_AUDIO_BYTES:
            raise Rejected("too_large", f"audio chunk of {len(payload)} bytes; at most {P.MAX_AUDIO_BYTES} ({P.AUDIO_MAX_CHUNK_MS} ms)", seq)
        if len(payload) == 0 or len(payload) % 2:
            raise Rejected("bad_audio", f"{len(payload)} bytes is not a whole number of 16-bit samples (>= 1)", seq)
        samples = np.frombuffer(payload, "<i2").astype(np.int16)
        return Message(device_id, name, frame=AudioChunk(t_ns=t_ns, seq=seq, source="audio", samples=samples,
                                                         sample_rate=P.AUDIO_SAMPLE_RATE))
    record = _json(name, payload)
    if name == "imu":
        seq, t_ns = int(record["seq"]), int(record["t_ns"])
        _check_clock(t_ns, now_ns, seq)
        accel = tuple(float(x) for x in record["accel"])
        gyro = tuple(float(x) for x in record["gyro"])
        if not all(np.isfinite(accel + gyro)):
            raise Rejected("bad_schema", "accel and gyro must be finite numbers", seq)
        return Message(device_id, name, frame=ImuSample(t_ns=t_ns, seq=seq, source="imu", accel=accel, gyro=gyro))  # type: ignore[arg-type]
    if name in ("telemetry", "button"):
        seq, t_ns = int(record["seq"]), int(record["t_ns"])
        _check_clock(t_ns, now_ns, seq)
        data = {k: v for k, v in record.items() if k not in ("v", "seq", "t_ns")}
        return Message(device_id, name, frame=Event(t_ns=t_ns, seq=seq, source=name, name=name, data=data))
    return Message(device_id, name, record=record)


# -- agent -> device ------------------------------------------------------------------------


def encode_json(name: str, record: dict[str, Any]) -> bytes:
    """A down message, checked against its schema first: the bridge never sends what it would refuse."""
    body = {"v": P.PROTOCOL_VERSION, **record}
    check(P.TOPICS[name].schema, body)  # type: ignore[arg-type]
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def decode_down(name: str, payload: bytes) -> dict[str, Any]:
    """What a device does with an agent message (the emulator's side); Rejected if malformed."""
    try:
        value = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise Rejected("bad_json", str(err)[:120]) from None
    _version_of(value)
    check(P.TOPICS[name].schema, value)  # type: ignore[arg-type]
    return value
