"""The payload codec: good messages become frames; generated bad ones are refused with the right code."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge import codec, jpeg
from firmware_bridge import protocol as P
from firmware_bridge.device_clock import clock_offset
from streams.recording.codec import encode_jpeg
from streams.frames import AudioChunk, Event, ImuSample, VideoFrame

NOW = 5_000_000_000_000
# A smooth picture (a colour gradient) survives JPEG closely enough to compare pixels.
_Y, _X = np.mgrid[0:48, 0:64]
IMAGE = np.stack([_X * 4, _Y * 5, np.full_like(_X, 128)], axis=-1).astype(np.uint8)
JPEG = encode_jpeg(IMAGE)
CAMERA_PROPS = {"v": "1", "seq": "7", "t_ns": str(NOW)}
AUDIO_PROPS = {"v": "1", "seq": "3", "t_ns": str(NOW), "rate": "16000"}


def imu(**over):
    return json.dumps({"v": 1, "seq": 1, "t_ns": NOW, "accel": [0, 0, 9.8], "gyro": [0, 0, 0], **over}).encode()


def rejected(topic, payload, props=None) -> str:
    with pytest.raises(codec.Rejected) as info:
        codec.decode_up(topic, payload, props or {}, NOW)
    return info.value.code


def test_good_messages_become_frames_on_the_agent_timeline():
    video = codec.decode_up("glasses/dev1/camera", JPEG, CAMERA_PROPS, NOW).frame
    assert isinstance(video, VideoFrame) and video.seq == 7 and video.t_ns == NOW and video.image.shape == (48, 64, 3)
    assert np.abs(video.image.astype(int) - IMAGE).mean() < 4  # the same picture, JPEG-lossy
    pcm = np.arange(-800, 800, dtype=np.int16)
    audio = codec.decode_up("glasses/dev1/audio", pcm.astype("<i2").tobytes(), AUDIO_PROPS, NOW).frame
    assert isinstance(audio, AudioChunk) and np.array_equal(audio.samples, pcm) and audio.sample_rate == 16000
    sample = codec.decode_up("glasses/dev1/imu", imu(), {}, NOW).frame
    assert isinstance(sample, ImuSample) and sample.accel == (0.0, 0.0, 9.8)
    button = codec.decode_up("glasses/dev1/button", json.dumps(
        {"v": 1, "seq": 0, "t_ns": NOW, "button": "main", "action": "press"}).encode(), {}, NOW).frame
    assert isinstance(button, Event) and button.name == "button" and button.data == {"button": "main", "action": "press"}
    ack = codec.decode_up("glasses/dev1/ack", b'{"v":1,"id":"low_light-1","state":"displayed","t_ns":5}', {}, NOW)
    assert ack.record["state"] == "displayed" and ack.frame is None


def test_each_kind_of_mistake_gets_its_own_code():
    assert rejected("glasses/dev1/camera", JPEG[: len(JPEG) // 2], CAMERA_PROPS) == "bad_jpeg"
    assert rejected("glasses/dev1/camera", JPEG, {**CAMERA_PROPS, "v": "2"}) == "unsupported_version"
    assert rejected("glasses/dev1/camera", JPEG, {"v": "1", "seq": "x", "t_ns": "1"}) == "bad_schema"
    assert rejected("glasses/dev1/camera", JPEG, {**CAMERA_PROPS, "t_ns": str(NOW + 60 * 10**9)}) == "clock_unsynced"
    big = encode_jpeg(np.zeros((8, 2000, 3), np.uint8))
    assert rejected("glasses/dev1/camera", big, CAMERA_PROPS) == "bad_size"
    assert rejected("glasses/dev1/camera", b"\xff\xd8" + b"\0" * P.MAX_JPEG_BYTES + b"\xff\xd9", CAMERA_PROPS) == "too_large"
    assert rejected("glasses/dev1/audio", b"\0" * 3, AUDIO_PROPS) == "bad_audio"
    assert rejected("glasses/dev1/audio", b"\0" * 4, {**AUDIO_PROPS, "rate": "44100"}) == "bad_schema"
    assert rejected("glasses/dev1/audio", b"\0" * (P.MAX_AUDIO_BYTES + 2), AUDIO_PROPS) == "too_large"
    assert rejected("glasses/dev1/imu", b"{not json", {}) == "bad_json"
    assert rejected("glasses/dev1/imu", imu(v=2)) == "unsupported_version"
    assert rejected("glasses/dev1/imu", imu(accel=[0, 0])) == "bad_schema"
    assert rejected("glasses/dev1/imu", imu(seq="1")) == "bad_schema"
    assert rejected("glasses/dev1/imu", b" " * (P.MAX_JSON_BYTES + 1)) == "too_large"
    assert rejected("glasses/dev1/selfie", b"{}") == "bad_topic"
    assert rejected("glasses/dev1/prompt", b"{}") == "bad_topic"  # agent -> device only
    assert rejected("glasses/bad id/imu", imu()) == "bad_topic"


def test_a_rejection_names_the_field_and_keeps_the_seq():
    with pytest.raises(codec.Rejected) as info:
        codec.decode_up("glasses/dev1/imu", imu(seq=41, gyro="fast"), {}, NOW)
    assert info.value.seq == 41 and info.value.detail.startswith("gyro:")


# -- generated bad payloads --------------------------------------------------------------------


@settings(max_examples=150)
@given(cut=st.integers(min_value=0, max_value=len(JPEG) - 1))
def test_any_truncated_jpeg_is_refused(cut):
    assert rejected("glasses/dev1/camera", JPEG[:cut], CAMERA_PROPS) in ("bad_jpeg",)


@settings(max_examples=150)
@given(junk=st.binary(min_size=0, max_size=2048))
def test_random_bytes_in_a_jpeg_wrapper_are_refused(junk):
    assert rejected("glasses/dev1/camera", b"\xff\xd8" + junk + b"\xff\xd9", CAMERA_PROPS) in ("bad_jpeg", "bad_size")


@settings(max_examples=150)
@given(at=st.integers(min_value=2, max_value=200), byte=st.integers(0, 255))
def test_a_corrupt_jpeg_header_is_refused_or_decodes_to_the_announced_size(at, byte):
    data = bytearray(JPEG)
    data[at] = byte
    try:
        frame = codec.decode_up("glasses/dev1/camera", bytes(data), CAMERA_PROPS, NOW).frame
    except codec.Rejected as err:
        assert err.code in ("bad_jpeg", "bad_size") and err.seq == 7
    else:  # a flip in a table can leave a valid JPEG: then it is an image of its declared size
        assert frame.image.ndim == 3 and frame.image.shape[2] == 3
        assert (frame.width, frame.height) == jpeg.check_structure(bytes(data))


JSON_TOPICS = ("imu", "telemetry", "button", "feedback", "status", "ack", "time/request")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300)
@given(name=st.sampled_from(JSON_TOPICS), field=st.sampled_from(["seq", "t_ns", "accel", "state", "id", "label", "battery", "v"]),
       value=json_values)
def test_wrong_types_in_json_are_refused_or_accepted_only_when_valid(name, field, value):
    good = {
        "imu": {"seq": 1, "t_ns": NOW, "accel": [0, 0, 9.8], "gyro": [0, 0, 0]},
        "telemetry": {"seq": 1, "t_ns": NOW, "battery": 0.5},
        "button": {"seq": 1, "t_ns": NOW, "button": "main", "action": "press"},
        "feedback": {"seq": 1, "t_ns": NOW, "prompt_id": "p", "label": "helpful"},
        "status": {"state": "offline"},
        "ack": {"id": "p", "state": "displayed", "t_ns": NOW},
        "time/request": {"id": 1, "t1": 5},
    }[name]
    body = {"v": 1, **good, field: value}
    try:
        msg = codec.decode_up(f"glasses/dev1/{name}", json.dumps(body).encode(), {}, NOW)
    except codec.Rejected as err:
        assert err.code in ("bad_schema", "unsupported_version", "clock_unsynced")
    else:  # accepted only what the published schema allows
        codec.check(P.TOPICS[name].schema, body)
        assert msg.device_id == "dev1"


@settings(max_examples=200)
@given(payload=st.binary(max_size=300), name=st.sampled_from(JSON_TOPICS))
def test_random_bytes_on_json_topics_are_refused(payload, name):
    try:
        json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        assert rejected(f"glasses/dev1/{name}", payload) == "bad_json"


@settings(max_examples=200)
@given(topic=st.text(max_size=40))
def test_unknown_topics_are_refused(topic):
    device, name = P.parse_topic(topic)
    if device is not None and name in P.UP_TOPICS:
        return
    assert rejected(topic, b"{}") == "bad_topic"


def test_messages_the_bridge_sends_match_their_schemas():
    body = codec.encode_json("time/reply", {"id": 1, "t1": 2, "t2": 3, "t3": 4})
    assert json.loads(body) == {"v": 1, "id": 1, "t1": 2, "t2": 3, "t3": 4}
    with pytest.raises(codec.Rejected):
        codec.encode_json("error", {"code": "no_such_code", "topic": "t", "detail": "", "seq": None, "t_ns": 1, "rejected_total": 1})


def test_clock_offset_is_ntp_midpoint():
    # device clock 100 behind the agent; 10 each way; 2 in the agent
    offset, rtt = clock_offset(t1=1000, t2=1110, t3=1112, t4=1022)
    assert (offset, rtt) == (100, 20)


def test_schemas_are_valid_and_match_the_topics_and_the_broker_acl():
    from jsonschema import Draft202012Validator

    from firmware_bridge import broker

    for name, spec in P.TOPICS.items():
        Draft202012Validator.check_schema(codec.schema(spec.schema))
    assert set(broker.DEVICE_PUBLISHES) == set(P.UP_TOPICS)
    assert set(broker.DEVICE_SUBSCRIBES) == set(P.DOWN_TOPICS)
