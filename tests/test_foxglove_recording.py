"""A recorded agent run opens in Foxglove: every channel decodes with the schema the file carries,
the agent's view lies over the camera image, and the file shows its capture date."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from mcap.reader import make_reader
from mcap_protobuf.decoder import DecoderFactory

from streams.frames import NS_PER_S
from streams.recording import McapReplaySource
from streams.recording.writer import GENERATED_START_NS
from tools.cli import main

LAYOUT = Path(__file__).resolve().parents[1] / "docs" / "foxglove-layout.json"


@pytest.fixture(scope="module")
def demo_recording(tmp_path_factory) -> tuple[Path, list[dict]]:
    tmp = tmp_path_factory.mktemp("foxglove")
    rec, prompts = tmp / "demo.mcap", tmp / "prompts.jsonl"
    code = main(["run", "--demo", "--record-out", str(rec), "--prompts-out", str(prompts),
                 "--memory", str(tmp / "m.sqlite3")])
    assert code == 0
    return rec, [json.loads(line) for line in prompts.read_text().splitlines()]


def _decode_all(path: Path) -> dict[str, list[tuple[object, object]]]:
    """Every message of every channel, decoded only with what the file carries (as Foxglove does)."""
    by_topic: dict[str, list[tuple[object, object]]] = {}
    protobuf = DecoderFactory()
    with open(path, "rb") as f:
        reader = make_reader(f)
        summary = reader.get_summary()
        decoders = {}
        for channel in summary.channels.values():
            schema = summary.schemas[channel.schema_id]
            if channel.message_encoding == "protobuf":
                assert schema.encoding == "protobuf", channel.topic
                decoders[channel.id] = protobuf.decoder_for("protobuf", schema)
            else:
                assert (channel.message_encoding, schema.encoding) == ("json", "jsonschema"), channel.topic
                validator = jsonschema.Draft202012Validator(json.loads(schema.data))

                def decode(data: bytes, validator=validator) -> object:
                    body = json.loads(data)
                    validator.validate(body)
                    return body

                decoders[channel.id] = decode
            by_topic[channel.topic] = []
        for _, channel, message in reader.iter_messages(log_time_order=True):
            by_topic[channel.topic].append((message, decoders[channel.id](message.data)))
    return by_topic


def test_every_channel_decodes_with_its_embedded_schema(demo_recording):
    rec, prompts = demo_recording
    by_topic = _decode_all(rec)
    assert set(by_topic) >= {"/camera", "/mic", "/imu", "/truth", "/agent/trace", "/agent/prompts",
                             "/agent/annotations", "/agent/log", "/agent/metrics"}
    assert all(by_topic[t] for t in by_topic), {t: len(m) for t, m in by_topic.items()}
    assert [body["id"] for _, body in by_topic["/agent/prompts"]] == [p["id"] for p in prompts]
    logs = [log for _, log in by_topic["/agent/log"]]
    assert [log.message.split(": ", 1)[1] for log in logs] == [p["text"] for p in prompts]
    assert any(log.level == log.WARNING for log in logs)  # the demo's hazard is a safety prompt


def test_capture_date_in_log_times_while_payloads_keep_t_ns(demo_recording):
    rec, prompts = demo_recording
    by_topic = _decode_all(rec)
    first_camera, _ = by_topic["/camera"][0]
    assert first_camera.log_time == GENERATED_START_NS  # a generated scene starts on its fixed date
    for message, body in by_topic["/agent/prompts"] + by_topic["/agent/trace"] + by_topic["/agent/metrics"]:
        assert message.log_time == body["t_ns"] + GENERATED_START_NS
    assert [p.t_ns for p in McapReplaySource(rec).json_messages("/agent/prompts")] == [p["t_ns"] for p in prompts]
    assert McapReplaySource(rec).wall_clock_start_ns == GENERATED_START_NS


def test_annotations_lie_on_camera_images(demo_recording):
    by_topic = _decode_all(demo_recording[0])
    camera = {image.timestamp.seconds * NS_PER_S + image.timestamp.nanos: image for _, image in by_topic["/camera"]}
    traces = {message.log_time: body for message, body in by_topic["/agent/trace"]}
    looming = 0
    for message, ann in by_topic["/agent/annotations"]:
        stamp = ann.timestamp.seconds * NS_PER_S + ann.timestamp.nanos
        assert stamp in camera, "annotations carry the stamp of the image they describe"
        for points in ann.points:
            assert len(points.points) == 4
            for p in points.points:
                assert -1 <= p.x <= 321 and -1 <= p.y <= 241  # the demo's 320x240 view
        looming += any(t.text.startswith("looming") for t in ann.texts)
        trace = traces[message.log_time]
        # A circle where the world model says the surprise is, when it says so.
        assert len(ann.circles) == (trace["surprise_where"] is not None)
        boxes = [t for t in ann.texts if "#" in t.text]
        assert len(boxes) == len(trace["entities"])
    assert looming  # the demo's disc flying at the wearer


def test_metrics_are_plottable_numbers(demo_recording):
    by_topic = _decode_all(demo_recording[0])
    metrics = [body for _, body in by_topic["/agent/metrics"]]
    assert len(metrics) == len(by_topic["/agent/trace"])
    assert all(isinstance(m["surprise_z"], float) and m["tick_latency_ms"] > 0 for m in metrics)
    assert max(m["looming_score"] for m in metrics) > 0


def test_layout_opens_the_recorded_channels(demo_recording):
    layout = json.loads(LAYOUT.read_text())
    text = json.dumps(layout)
    for topic in ("/camera", "/agent/annotations", "/agent/log", "/agent/metrics"):
        assert topic in text, topic
    topics = set(_decode_all(demo_recording[0]))
    referenced = {part.split(".")[0] for part in _strings(layout) if part.startswith("/")}
    assert referenced <= topics, referenced - topics


def _strings(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in list(obj.values()) + list(obj.keys()) for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []
