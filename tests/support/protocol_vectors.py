"""The test vectors of docs/protocol/vectors/: payload files and the bridge's expected reply to each.

`write_vectors(folder)` (re)writes them; tests/test_bridge_vectors.py checks that the committed
files are exactly what this writes and that the bridge answers each as listed. Regenerate with
    PYTHONPATH=. python -c "from tests.support.protocol_vectors import write_vectors; write_vectors('docs/protocol/vectors')"
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

NOW = 1_000_000_000_000  # the agent's clock when each vector arrives (ns)
BIG = 2**53 + 1  # a stamp a parser going through double reads as 2**53: read int64
NOW_AT = {"imu-t_ns-above-2pow53": BIG}  # vectors that arrive at another agent time than NOW
SEQ_MAX_JSON = 2**53 - 1


def _jpeg(h: int, w: int, value: int = 8) -> bytes:
    import cv2

    rng = np.random.default_rng(0)
    image = np.clip(value + rng.integers(0, 6, (h, w, 3)), 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return buf.tobytes()


def _lying(jpeg: bytes) -> bytes:
    sof, sos = jpeg.index(b"\xff\xc0"), jpeg.index(b"\xff\xda")
    head = bytearray(jpeg[: sos + 14])
    head[sof + 5 : sof + 9] = (1920).to_bytes(2, "big") * 2
    return bytes(head) + b"\x00" * 64 + b"\xff\xd9"


def _props(seq: int, t_ns: int = NOW, **over: str) -> dict[str, str]:
    return {"v": "1", "seq": str(seq), "t_ns": str(t_ns), **over}


def _json(record: dict) -> bytes:
    return json.dumps(record, separators=(",", ":")).encode()


def vectors() -> list[tuple[str, str, bytes, str, dict[str, str], object]]:
    """(name, topic, payload, file extension, user properties, expected) for every vector."""
    jpeg = _jpeg(96, 128)
    imu = {"v": 1, "seq": 10, "t_ns": NOW, "accel": [0.0, 0.0, 9.81], "gyro": [0.0, 0.0, 0.0]}
    T = "glasses/dev1/"
    return [
        ("camera-ok", T + "camera", jpeg, "jpg", _props(0), "accepted"),
        ("camera-truncated", T + "camera", jpeg[:-40], "jpg", _props(1), {"code": "bad_jpeg", "seq": 1}),
        ("camera-header-claims-1920x1920", T + "camera", _lying(jpeg), "jpg", _props(2), {"code": "bad_jpeg", "seq": 2}),
        ("camera-8x8", T + "camera", _jpeg(8, 8), "jpg", _props(3), {"code": "bad_size", "seq": 3}),
        ("camera-version-2", T + "camera", jpeg, "jpg", _props(4, v="2"), {"code": "unsupported_version", "seq": 4}),
        ("camera-stamp-60s-old", T + "camera", jpeg, "jpg", _props(5, NOW - 60 * 10**9), {"code": "clock_unsynced", "seq": 5}),
        ("camera-seq-not-digits", T + "camera", jpeg, "jpg", _props(6) | {"seq": "6.0"}, {"code": "bad_schema", "seq": None}),
        ("audio-100ms-ok", T + "audio", b"\x00\x00" * 1600, "raw", _props(0, rate="16000"), "accepted"),
        ("audio-odd-bytes", T + "audio", b"\x00" * 3199, "raw", _props(1, rate="16000"), {"code": "bad_audio", "seq": 1}),
        ("audio-over-500ms", T + "audio", b"\x00\x00" * 8001, "raw", _props(2, rate="16000"), {"code": "too_large", "seq": 2}),
        ("audio-44100-hz", T + "audio", b"\x00\x00" * 1600, "raw", _props(3, rate="44100"), {"code": "bad_schema", "seq": 3}),
        ("imu-ok", T + "imu", _json(imu), "json", {}, "accepted"),
        ("imu-t_ns-above-2pow53", T + "imu", _json(imu | {"t_ns": BIG}), "json", {}, "accepted"),
        ("imu-seq-true", T + "imu", _json(imu | {"seq": True}), "json", {}, {"code": "bad_schema", "seq": None}),
        ("imu-seq-3.0", T + "imu", _json(imu | {"seq": 3.0}), "json", {}, {"code": "bad_schema", "seq": None}),
        ("imu-t_ns-as-string", T + "imu", _json(imu | {"t_ns": str(NOW)}), "json", {}, {"code": "bad_schema", "seq": 10}),
        ("imu-nested-9-deep", T + "imu", _json(imu | {"x": json.loads("[" * 8 + "]" * 8)}), "json", {}, {"code": "bad_json", "seq": None}),
        ("imu-nan", T + "imu", _json(imu)[:-1] + b',"y":NaN}', "json", {}, {"code": "bad_json", "seq": None}),
        ("telemetry-ok", T + "telemetry", _json({"v": 1, "seq": 7, "t_ns": NOW, "battery": 0.62}), "json", {}, "accepted"),
        ("telemetry-battery-as-string", T + "telemetry", _json({"v": 1, "seq": 7, "t_ns": NOW, "battery": "62%"}), "json", {},
         {"code": "bad_schema", "seq": 7}),
        ("button-ok", T + "button", _json({"v": 1, "seq": 2, "t_ns": NOW, "button": "main", "action": "double_press"}), "json", {},
         "accepted"),
        ("button-unknown-action", T + "button", _json({"v": 1, "seq": 2, "t_ns": NOW, "button": "main", "action": "triple"}),
         "json", {}, {"code": "bad_schema", "seq": 2}),
        ("time-request-ok", T + "time/request", _json({"v": 1, "id": 1, "t1": 1_733_400_000_000_000_000}), "json", {}, "accepted"),
        ("status-online-ok", T + "status", _json({"v": 1, "state": "online", "capabilities": {
            "camera": True, "mic": True, "imu": True, "display": True, "haptics": False}}), "json", {}, "accepted"),
        ("status-online-without-capabilities", T + "status", _json({"v": 1, "state": "online"}), "json", {},
         {"code": "bad_schema", "seq": None}),
        ("ack-unknown-state", T + "ack", _json({"v": 1, "id": "p1", "state": "read", "t_ns": NOW}), "json", {},
         {"code": "bad_schema", "seq": None}),
        ("feedback-bad-label", T + "feedback", _json({"v": 1, "seq": 4, "t_ns": NOW, "prompt_id": "p1", "label": "meh"}),
         "json", {}, {"code": "bad_schema", "seq": 4}),
        ("json-version-2", T + "telemetry", _json({"v": 2, "seq": 8, "t_ns": NOW, "battery": 0.5}), "json", {},
         {"code": "unsupported_version", "seq": 8}),
        ("not-json", T + "imu", b"{\"v\":1,", "json", {}, {"code": "bad_json", "seq": None}),
        ("json-over-4096-bytes", T + "telemetry", _json({"v": 1, "seq": 9, "t_ns": NOW, "battery": 0.5, "pad": "x" * 4100}),
         "json", {}, {"code": "too_large", "seq": None}),
        ("unknown-topic", T + "camera2", jpeg, "jpg", _props(0), {"code": "bad_topic", "seq": None}),
        # agent -> device: what a device's parser must accept ("valid"), 64-bit values included
        ("down-time-reply-64bit", T + "time/reply", _json({"v": 1, "id": 1, "t1": 1_733_400_000_000_000_123, "t2": BIG,
                                                           "t3": BIG + 250_000}), "json", {}, "valid"),
        ("down-prompt", T + "prompt", _json({"v": 1, "id": "low_light-1a2b3c", "t_ns": BIG, "kind": "low_light",
                                              "text": "It is dark here: mind your step", "priority": 2, "haptic": "tap",
                                              "ttl_ms": 5000, "evidence": {"luma": 0.03}}), "json", {}, "valid"),
        ("down-config", T + "config", _json({"v": 1, "camera_fps": 10, "width": 320, "height": 240, "jpeg_quality": 80,
                                              "audio_chunk_ms": 100, "imu_hz": 50, "tick_hz": 10, "mode": "quiet"}),
         "json", {}, "valid"),
        ("down-error", T + "error", _json({"v": 1, "code": "bad_jpeg", "topic": "glasses/dev1/camera",
                                            "detail": "does not end with the JPEG EOI marker FF D9 (truncated?)", "seq": 41,
                                            "t_ns": BIG, "rejected_total": 3}), "json", {}, "valid"),
    ]


def write_vectors(folder: str | Path) -> None:
    """Write each payload as NN-name.ext and the manifest vectors.json into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    for i, (name, topic, payload, ext, props, expected) in enumerate(vectors(), 1):
        file = f"{i:02d}-{name}.{ext}"
        (folder / file).write_bytes(payload)
        now = NOW_AT.get(name, NOW)
        manifest.append({"name": name, "topic": topic, "payload": file, "properties": props, "now_ns": now,
                         "expect": expected})
    (folder / "vectors.json").write_text(json.dumps(manifest, indent=1) + "\n")
