"""A fuzz battery through a real bridge and Mosquitto: every bad payload gets exactly one error
reply, valid against error.json, carrying the message's own seq when it had a valid one; the
bridge logs no traceback and counts no internal error.

The battery: JSON nested 2,000 deep on every JSON topic; every field of every device -> agent
schema set to each wrong-typed value (true, 1.5, "1", null, [], {}, -1, 2**64, ...); lying and
damaged JPEGs (a 1920x1920 header over a few bytes, a cut scan, a doubled frame header, a scan
before the frame header, arithmetic coding).
"""

from __future__ import annotations

import asyncio
import json
import logging

import numpy as np
import pytest

from firmware_bridge import codec
from firmware_bridge import protocol as P
from firmware_bridge.bridge import Bridge
from firmware_bridge.emulator import DeviceEmulator
from streams.recording.codec import encode_jpeg
from tests.support.mosquitto import AGENT_PASSWORD, AGENT_USER, address, agent_factory, run_session, wait_for

WRONG_VALUES = (True, False, 1.5, 1.0, "1", "", None, [], {}, [1, 2], {"a": 1}, -1, 2**64, "x" * 300)
JSON_GOOD = {
    "imu": {"seq": 11, "accel": [0.0, 0.0, 9.8], "gyro": [0.0, 0.0, 0.0]},
    "telemetry": {"seq": 12, "battery": 0.5, "charging": False, "temperature_c": 30.0},
    "button": {"seq": 13, "button": "main", "action": "press"},
    "feedback": {"seq": 14, "prompt_id": "p", "label": "helpful"},
    "status": {"state": "online", "firmware": "1.0", "capabilities": {"camera": True}, "camera": {"width": 320}},
    "ack": {"id": "p", "state": "displayed"},
    "time/request": {"id": 1, "t1": 5},
}
BINARY_GOOD = {"camera": {"seq": "21"}, "audio": {"seq": "22", "rate": "16000"}}


def _cases(now: int) -> list[tuple[str, bytes, dict | None, int | None, tuple[str, ...]]]:
    """(topic name, payload, user properties, expected seq in the reply, acceptable codes)."""
    cases = []
    for name, good in JSON_GOOD.items():
        body = {"v": 1, **good, **({"t_ns": now} if "t_ns" in codec.schema(P.TOPICS[name].schema)["properties"] else {})}
        seq = good.get("seq")
        deep = json.dumps({**body, "extra": None}).replace("null", "[" * 2000 + "]" * 2000).encode()
        cases.append((name, deep[: P.MAX_JSON_BYTES], None, None, ("bad_json",)))  # cut or not: refused before parsing
        for field in codec.schema(P.TOPICS[name].schema)["properties"]:
            for value in WRONG_VALUES:
                wrong = {**body, field: value}
                try:
                    codec.check(P.TOPICS[name].schema, wrong)
                    continue  # this value is allowed for this field: not a wrong one
                except codec.Rejected:
                    pass
                expected_seq = None if field == "seq" else seq
                codes = ("bad_schema", "unsupported_version") if field == "v" else ("bad_schema",)
                cases.append((name, json.dumps(wrong).encode(), None, expected_seq, codes))
    jpeg = encode_jpeg(np.random.default_rng(0).integers(0, 255, (96, 128, 3), np.uint8))
    for name, good in BINARY_GOOD.items():
        props = {"v": "1", "t_ns": str(now), **good}
        payload = jpeg if name == "camera" else b"\0\0" * 160
        for field in codec.schema(P.TOPICS[name].schema)["properties"]:
            for value in ("", "x", "-1", "1.5", "01", "9" * 25, "true", "null"):
                wrong = {**props, field: value}
                try:
                    codec.check(P.TOPICS[name].schema, wrong)
                    continue
                except codec.Rejected:
                    pass
                codes = ("bad_schema", "unsupported_version") if field == "v" else ("bad_schema",)
                cases.append((name, payload, wrong, None if field == "seq" else int(good["seq"]), codes))
    cam = {"v": "1", "t_ns": str(now), "seq": "21"}
    for damaged in _damaged_jpegs(jpeg):
        cases.append(("camera", damaged, cam, 21, ("bad_jpeg", "bad_size")))
    return cases


def _damaged_jpegs(jpeg: bytes) -> list[bytes]:
    sof = jpeg.index(b"\xff\xc0")
    sos = jpeg.index(b"\xff\xda")
    big = bytearray(jpeg[: sos + 14])  # headers and the scan header only
    big[sof + 5 : sof + 9] = (1920).to_bytes(2, "big") * 2
    lying = bytes(big) + b"\x00" * 64 + b"\xff\xd9"
    cut = jpeg[: (sos + len(jpeg)) // 2] + b"\xff\xd9"  # scan cut in the middle, EOI glued on
    doubled = jpeg[:sos] + jpeg[sof : sof + 2 + int.from_bytes(jpeg[sof + 2 : sof + 4], "big")] + jpeg[sos:]
    no_frame = jpeg[:sof] + jpeg[sof + 2 + int.from_bytes(jpeg[sof + 2 : sof + 4], "big") :]
    arithmetic = jpeg[:sof] + b"\xff\xc9" + jpeg[sof + 2 :]
    early_eoi = jpeg[: sos + 40] + b"\xff\xd9" + jpeg[sos + 40 :]
    return [lying, cut, doubled, no_frame, arithmetic, early_eoi, b"\xff\xd8\xff\xd9", jpeg[:-2]]


def test_every_bad_payload_gets_one_valid_reply_with_its_seq_and_no_traceback(mosquitto, tmp_path, caplog):
    mosquitto.add_device("fuzzer")
    caplog.set_level(logging.INFO)

    async def session():
        stop = asyncio.Event()
        bridge = Bridge(address(mosquitto, AGENT_USER, AGENT_PASSWORD), agent_factory=agent_factory(tmp_path),
                        outbox_path=tmp_path / "outbox.sqlite3")
        device = DeviceEmulator(address(mosquitto, "fuzzer", "fuzzer-secret"), "fuzzer")
        tasks = [asyncio.create_task(bridge.run(stop))]
        await bridge.wait_connected()
        tasks.append(asyncio.create_task(device.run(stop)))
        results = []
        try:
            await wait_for(device.online.is_set, 10, "the device online")
            cases = _cases(device.agent_now_ns())
            for name, payload, props, seq, codes in cases:
                before = len(device.stats.errors)
                await device.publish_raw(name, payload, user_properties=props)
                await wait_for(lambda: len(device.stats.errors) > before, 10, f"a reply to a bad {name}")
                results.append((name, seq, codes, device.stats.errors[-1]))
            # Replies come one per message: nothing extra arrives after the last.
            await device.publish_raw("imu", b"{", user_properties=None)
            await wait_for(lambda: len(device.stats.errors) == len(cases) + 1, 10, "the closing reply")
            summary = bridge.summary()
        finally:
            stop.set()
            await asyncio.gather(*tasks)
        return results, summary

    results, summary = run_session(session(), timeout_s=300)
    assert len(results) > 150
    wrong = []
    for name, seq, codes, reply in results:
        codec.check("error.json", reply)  # every reply passes its own schema
        if reply["code"] not in codes or reply["seq"] != seq or reply["topic"] != f"glasses/fuzzer/{name}":
            wrong.append((name, seq, codes, reply))
    assert wrong == []
    assert summary["internal_errors"] == 0
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert sum(summary["devices"]["fuzzer"]["rejected"].values()) == len(results) + 1


@pytest.mark.parametrize("depth", [9, 2000, 100_000])
def test_deep_nesting_is_refused_before_parsing(depth):
    payload = b'{"v":1,"x":' + b"[" * depth + b"]" * depth + b"}"
    with pytest.raises(codec.Rejected) as info:
        codec.decode_up("glasses/d/imu", payload[: P.MAX_JSON_BYTES], {}, 0)
    assert info.value.code == "bad_json"


def test_a_lying_jpeg_header_and_a_cut_scan_are_bad_jpeg_with_the_frames_seq():
    jpeg = encode_jpeg(np.random.default_rng(1).integers(0, 255, (96, 128, 3), np.uint8))
    lying, cut = _damaged_jpegs(jpeg)[:2]
    for data, says in ((lying, "1920x1920"), (cut, "does not decode")):
        with pytest.raises(codec.Rejected) as info:
            codec.decode_jpeg(data, seq=5)
        assert (info.value.code, info.value.seq) == ("bad_jpeg", 5) and says in info.value.detail
