"""Payloads on the wire <-> `streams` frames and plain records, with every check in one place.

`decode_up` turns one device -> agent message into a frame (camera, audio, imu, telemetry,
button) or a record (status, ack, feedback, time request), or raises `Rejected` with a code
from the protocol's error list. The bridge counts and reports each rejection on the device's
error topic; nothing a device sends can stop the bridge.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from firmware_bridge import jpeg
from firmware_bridge import protocol as P
from firmware_bridge.rejection import Rejected
from streams.frames import AudioChunk, Event, Frame, ImuSample, VideoFrame


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
    from jsonschema import Draft202012Validator, validators

    # Strict integers: JSON Schema's "integer" admits 1.0 (and Python's bool is an int); a C
    # parser reading an int64 field must never meet either, so the bridge refuses both.
    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, v: isinstance(v, int) and not isinstance(v, bool))
    strict = validators.extend(Draft202012Validator, type_checker=checker)
    return strict(schema(file_name))


@lru_cache(maxsize=None)
def _seq_rule(file_name: str):  # noqa: ANN202
    from jsonschema import Draft202012Validator

    rule = schema(file_name).get("properties", {}).get("seq")
    return Draft202012Validator(rule) if rule is not None else None


def seq_of(file_name: str | None, value: Any) -> int | None:
    """The message's `seq` when it is valid by its own schema's rule (the one to echo in an error), else None."""
    if not isinstance(value, dict) or file_name is None or "seq" not in value:
        return None
    rule = _seq_rule(file_name)
    seq = value["seq"]
    if rule is None or isinstance(seq, bool) or not isinstance(seq, (int, str)) or not rule.is_valid(seq):
        return None
    return int(seq)


def check(file_name: str, value: Any) -> None:
    """Raise Rejected('bad_schema') naming the first problem, as a firmware engineer reads it."""
    error = next(iter(sorted(_validator(file_name).iter_errors(value), key=lambda e: [str(p) for p in e.path])), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(message)"
        raise Rejected("bad_schema", f"{where}: {error.message[:200]}", seq_of(file_name, value))


_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")


def nesting_depth(payload: bytes) -> int:
    """How deep arrays and objects nest in a JSON text, read without parsing it (strings skipped).

    Counted before json.loads: a 4 KB payload of 2,000 '[' made the parser recurse past
    Python's limit (RecursionError) before any schema could refuse it.
    """
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b"", payload)):
        depth += 1 if bracket in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _version_of(value: Any) -> None:
    v = value.get("v") if isinstance(value, dict) else None
    if v is not None and v != P.PROTOCOL_VERSION and not isinstance(v, bool):
        raise Rejected("unsupported_version", f"protocol version {str(v)[:20]} is not supported; this bridge speaks {P.PROTOCOL_VERSION}")


def _json(name: str, payload: bytes) -> dict[str, Any]:
    if len(payload) > P.MAX_JSON_BYTES:
        raise Rejected("too_large", f"{len(payload)} bytes; JSON messages are at most {P.MAX_JSON_BYTES}")
    depth = nesting_depth(payload)
    if depth > P.MAX_JSON_DEPTH:
        raise Rejected("bad_json", f"arrays and objects nest {depth} deep; at most {P.MAX_JSON_DEPTH}")
    try:
        value = json.loads(payload.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise Rejected("bad_json", f"not UTF-8 JSON: {str(err)[:120]}") from None
    if not isinstance(value, dict):
        raise Rejected("bad_json", f"expected a JSON object, got {type(value).__name__}")
    seq = seq_of(P.TOPICS[name].schema, value)
    try:
        _version_of(value)
        check(P.TOPICS[name].schema, value)  # type: ignore[arg-type]
    except Rejected as err:
        raise err.with_seq(seq) from None
    return value


def _no_constant(name: str) -> None:
    """NaN and Infinity are not JSON (RFC 8259), though Python's parser takes them."""
    raise ValueError(f"{name} is not a JSON value")


def _properties(name: str, props: dict[str, str]) -> tuple[int, int]:
    seq = seq_of(P.TOPICS[name].schema, props)
    if "v" in props and props["v"] != str(P.PROTOCOL_VERSION):
        raise Rejected("unsupported_version", f"protocol version {props['v'][:20]!r} is not supported; this bridge speaks {P.PROTOCOL_VERSION}", seq)
    check(P.TOPICS[name].schema, props)  # type: ignore[arg-type]
    return int(props["seq"]), int(props["t_ns"])


def _check_clock(t_ns: int, now_ns: int, seq: int) -> None:
    if abs(t_ns - now_ns) > P.MAX_CLOCK_SKEW_NS:
        raise Rejected("clock_unsynced", f"t_ns {t_ns} is {(t_ns - now_ns) / 1e9:+.1f} s from the agent's clock: do the time exchange", seq)


def decode_jpeg(data: bytes, seq: int) -> np.ndarray:
    """A camera payload to RGB pixels, every check of firmware_bridge.jpeg applied; Rejected carries `seq`."""
    if len(data) > P.MAX_JPEG_BYTES:
        raise Rejected("too_large", f"JPEG of {len(data)} bytes; at most {P.MAX_JPEG_BYTES}", seq)
    try:
        width, height = jpeg.check_structure(data)
        return jpeg.decode_strict(data, width, height)
    except Rejected as err:
        raise err.with_seq(seq) from None


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


def error_reply(err: Rejected, topic: str, t_ns: int, rejected_total: int) -> dict[str, Any]:
    """The error record the bridge sends for `err` (before `v`); passes error.json by construction."""
    return {"code": err.code, "topic": topic[:200], "detail": err.detail[:300], "seq": err.seq, "t_ns": t_ns,
            "rejected_total": rejected_total}



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
