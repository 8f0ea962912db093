"""MCAP recording: exact round trips, Foxglove's schemas, recovery of unfinished files, bad input."""

from __future__ import annotations

import dataclasses
import json
import shutil
import warnings
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mcap.reader import make_reader
from mcap.stream_reader import StreamReader
from mcap_protobuf.decoder import DecoderFactory

from streams.errors import RecordingError
from streams.frames import NS_PER_S, AudioChunk, EncodedVideoFrame, EndOfStream, Event, Frame, ImuSample, TruthEvent, VideoFrame
from streams.recording import McapRecorder, McapReplaySource, RecoveredRecordingWarning, recording_info
from streams.sources.base import frame_order_key
from tests.support.jpeg import decode_rgb, jpeg_of

SR = 16_000
MS = 1_000_000


def _image(i: int, h: int = 24, w: int = 32) -> np.ndarray:
    """A moving bar over a noisy background: varied enough that JPEGs differ frame to frame."""
    rng = np.random.default_rng(i)
    img = rng.integers(0, 60, (h, w, 3), dtype=np.uint8)
    img[:, (2 * i) % w : (2 * i) % w + 4] = (220, 40, 10)
    return img


def _sine(i: int, n: int = SR // 10) -> np.ndarray:
    t = (np.arange(n) + i * n) / SR
    return (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


def make_frames(seconds: float = 1.0) -> list[Frame]:
    """Every frame type, two cameras (one with camera-made JPEGs), ties at equal stamps."""
    frames: list[Frame] = []
    for i in range(int(seconds * 10)):
        t = i * 100 * MS
        frames.append(VideoFrame(t_ns=t, seq=i, source="camera", image=_image(i)))
        img = _image(100 + i, 12, 16)
        frames.append(VideoFrame(t_ns=t + 3 * MS, seq=i, source="cam2", image=decode_rgb(jpeg_of(img)), jpeg=jpeg_of(img)))
        frames.append(AudioChunk(t_ns=t, seq=i, source="mic", samples=_sine(i), sample_rate=SR))
        for k in range(2):
            j = 2 * i + k
            frames.append(ImuSample(t_ns=t + k * 50 * MS, seq=j, source="imu", accel=(0.1 * j, -9.81, 1 / 3), gyro=(0.0, 0.5, -j)))
    frames.append(Event(t_ns=200 * MS, seq=0, source="button", name="press", data={"long": False, "xs": [1, 2.5]}))
    frames.append(Event(t_ns=200 * MS, seq=7, source="alpha", name="telemetry", data={"battery": 0.5}))
    frames.append(TruthEvent(t_ns=300 * MS, seq=0, source="truth", name="object_enters", data={"id": 3, "label": "keys"}))
    return sorted(frames, key=frame_order_key)


def replayed_form(frame: Frame) -> Frame:
    """What replay must give back: the same frame, its image the decode of the recorded JPEG."""
    if isinstance(frame, VideoFrame):
        jpeg = frame.jpeg
        if jpeg is None:
            import streams.recording.codec as codec

            jpeg = codec.encode_jpeg(frame.image)
        return dataclasses.replace(frame, image=decode_rgb(jpeg), jpeg=jpeg)
    return frame


def frame_type(frame: Frame) -> type:
    """A replayed JPEG is a VideoFrame that waits to decode its pixels until they are read."""
    return VideoFrame if type(frame) is EncodedVideoFrame else type(frame)


def assert_same_frame(got: Frame, want: Frame) -> None:
    assert frame_type(got) is type(want), (got, want)
    for f in dataclasses.fields(want):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, np.ndarray):
            assert a.dtype == b.dtype and np.array_equal(a, b), (f.name, got)
        else:
            assert a == b, (f.name, got, a, b)


def assert_same_frames(got: list[Frame], want: list[Frame]) -> None:
    assert [frame_order_key(f) for f in got] == [frame_order_key(f) for f in want]
    for g, w in zip(got, want):
        assert_same_frame(g, w)


def record(path: Path, frames: list[Frame], **options) -> Path:
    with McapRecorder(path, **options) as recorder:
        for frame in frames:
            recorder.write(frame)
    return path


@pytest.fixture(scope="module")
def frames() -> list[Frame]:
    return make_frames()


START = 1_767_225_600 * NS_PER_S  # 2026-01-01T00:00:00Z: the wall clock of the first frame


@pytest.fixture(scope="module")
def recording(tmp_path_factory, frames) -> Path:
    return record(tmp_path_factory.mktemp("rec") / "session.mcap", frames, start_wall_ns=START)


# -- round trip ------------------------------------------------------------------------------


def test_round_trip_every_frame_type(recording, frames):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a finished file must not warn
        source = McapReplaySource(recording, include_truth=True)
        got = list(source.frames())
    assert source._index.indexed  # a finished file is read through its chunk index, not front to back
    assert_same_frames(got, [replayed_form(f) for f in frames])
    assert {frame_type(f) for f in got} == {VideoFrame, AudioChunk, ImuSample, Event, TruthEvent}


def test_truth_only_on_request(recording, frames):
    got = list(McapReplaySource(recording).frames())
    assert not any(isinstance(f, TruthEvent) for f in got)
    assert len(got) == len(frames) - 1


def test_camera_jpeg_kept_byte_for_byte_and_raw_images_encoded(recording, frames):
    got = {(f.source, f.seq): f for f in McapReplaySource(recording).frames() if isinstance(f, VideoFrame)}
    for frame in frames:
        if not isinstance(frame, VideoFrame):
            continue
        replayed = got[(frame.source, frame.seq)]
        assert replayed.image.shape == frame.image.shape and replayed.image.dtype == np.uint8
        if frame.jpeg is not None:
            assert replayed.jpeg == frame.jpeg
        else:  # encoded at quality ~85: close to the original, RGB order kept
            assert np.abs(replayed.image.astype(int) - frame.image.astype(int)).mean() < 20  # noisy test image: JPEG smooths the noise
            assert replayed.image[..., 0].mean() > replayed.image[..., 2].mean()


def test_replay_is_repeatable_and_ties_break_by_source_then_seq(tmp_path):
    # Written in an order that is not the replay order: stamps tie, sources written z before a.
    written = [
        Event(t_ns=5, seq=2, source="z", name="b"),
        Event(t_ns=5, seq=1, source="z", name="a"),
        ImuSample(t_ns=5, seq=0, source="imu"),
        Event(t_ns=5, seq=9, source="a", name="c"),
        Event(t_ns=1, seq=0, source="z", name="first"),
    ]
    source = McapReplaySource(record(tmp_path / "ties.mcap", written))
    once, twice = list(source.frames()), list(source.frames())
    assert [frame_order_key(f) for f in once] == sorted(frame_order_key(f) for f in written)
    assert_same_frames(once, twice)


def test_json_seq_beyond_uint32_survives_but_video_seq_must_fit(tmp_path):
    big = Event(t_ns=1, seq=2**40, source="button", name="press")
    got = list(McapReplaySource(record(tmp_path / "big.mcap", [big])).frames())
    assert_same_frames(got, [big])
    with McapRecorder(tmp_path / "bad.mcap") as recorder, pytest.raises(RecordingError, match="uint32"):
        recorder.write(VideoFrame(t_ns=1, seq=2**32, source="camera", image=_image(0)))


@pytest.mark.parametrize("compression", ["lz4", "none"])
def test_other_compressions_round_trip(tmp_path, frames, compression):
    path = record(tmp_path / f"{compression}.mcap", frames[:20], compression=compression)
    assert_same_frames(list(McapReplaySource(path, include_truth=True).frames()), [replayed_form(f) for f in frames[:20]])


def test_a_recording_with_no_frames_is_finished_not_recovered(tmp_path):
    with McapRecorder(tmp_path / "nothing.mcap"):
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        source = McapReplaySource(tmp_path / "nothing.mcap")
    assert list(source.frames()) == []
    info = source.describe()
    assert (info["messages"], info["recovered"], info["start_ns"], info["duration_s"]) == (0, False, None, 0.0)


def test_end_of_stream_is_recorded_but_not_replayed(tmp_path):
    path = record(tmp_path / "eos.mcap", [ImuSample(t_ns=1, seq=0, source="imu"), EndOfStream(t_ns=2, seq=0, source="camera", reason="unplugged")])
    assert [type(f) for f in McapReplaySource(path).frames()] == [ImuSample]
    eos = [c for c in recording_info(path)["channels"] if c["topic"] == "/eos"]
    assert eos and eos[0]["messages"] == 1


def test_write_json_prompts_beside_frames(tmp_path):
    path = tmp_path / "prompts.mcap"
    prompt = {"id": "p1", "t_ns": 10, "kind": "hazard", "text": "step ahead", "priority": 1}
    with McapRecorder(path) as recorder:
        recorder.write(ImuSample(t_ns=10, seq=0, source="imu"))
        recorder.write_json("/prompts", 10, prompt, "glasses.Prompt", seq=0)
        recorder.write_json("/prompts", 30, {**prompt, "id": "p2"}, "glasses.Prompt", seq=1)
        with pytest.raises(RecordingError, match="already carries"):
            recorder.write_json("/prompts", 40, {}, "glasses.Trace")
        with pytest.raises(RecordingError, match="cannot record"):
            recorder.write_json("/prompts", 50, {"x": object()}, "glasses.Prompt")
    source = McapReplaySource(path)
    assert [type(f) for f in source.frames()] == [ImuSample]
    got = list(source.json_messages("/prompts"))
    assert [(m.t_ns, m.seq, m.data["id"]) for m in got] == [(10, 0, "p1"), (30, 1, "p2")]
    assert got[0].data == prompt


def test_recorder_rejects_writes_after_close_and_foreign_types(tmp_path):
    recorder = McapRecorder(tmp_path / "closed.mcap")
    with pytest.raises(RecordingError, match="not a frame type"):
        recorder.write(Frame(t_ns=0, seq=0, source="x"))
    recorder.close()
    recorder.close()  # idempotent
    with pytest.raises(RecordingError, match="closed"):
        recorder.write(ImuSample(t_ns=0, seq=0, source="imu"))
    with pytest.raises(RecordingError, match="cannot write"):
        McapRecorder(tmp_path / "no" / "such" / "dir.mcap")


# -- Foxglove compatibility ------------------------------------------------------------------


def test_channels_use_foxglove_schemas_and_decode_from_the_file_alone(recording, frames):
    """Decode with the schemas stored in the file (as Foxglove does), not with our own classes."""
    by_topic: dict[str, list] = {}
    with open(recording, "rb") as f:
        reader = make_reader(f, decoder_factories=[DecoderFactory()])
        summary = reader.get_summary()
        schemas = {c.topic: summary.schemas[c.schema_id] for c in summary.channels.values()}
        encodings = {c.topic: c.message_encoding for c in summary.channels.values()}
        for _, channel, message, decoded in reader.iter_decoded_messages(topics=["/camera", "/cam2", "/mic"]):
            by_topic.setdefault(channel.topic, []).append((message, decoded))
        for _, channel, message in reader.iter_messages(topics=["/imu", "/events", "/truth"]):
            by_topic.setdefault(channel.topic, []).append((message, json.loads(message.data)))

    assert schemas["/camera"].name == "foxglove.CompressedImage" and schemas["/cam2"].name == "foxglove.CompressedImage"
    assert schemas["/mic"].name == "foxglove.RawAudio"
    assert {schemas[t].encoding for t in ("/camera", "/mic")} == {"protobuf"}
    assert {encodings[t] for t in ("/camera", "/mic")} == {"protobuf"}

    videos = [f for f in frames if isinstance(f, VideoFrame) and f.source == "camera"]
    for (message, image), frame in zip(by_topic["/camera"], videos, strict=True):
        assert type(image).DESCRIPTOR.full_name == "foxglove.CompressedImage"
        assert image.format == "jpeg"
        # Foxglove sees the capture date: log time and stamp are the wall clock, t_ns + START.
        assert image.timestamp.seconds * NS_PER_S + image.timestamp.nanos == frame.t_ns + START == message.log_time == message.publish_time
        assert message.sequence == frame.seq
        assert decode_rgb(image.data).shape == frame.image.shape

    chunks = [f for f in frames if isinstance(f, AudioChunk)]
    for (message, audio), frame in zip(by_topic["/mic"], chunks, strict=True):
        assert type(audio).DESCRIPTOR.full_name == "foxglove.RawAudio"
        assert (audio.format, audio.sample_rate, audio.number_of_channels) == ("pcm-s16", SR, 1)
        assert audio.timestamp.seconds * NS_PER_S + audio.timestamp.nanos == frame.t_ns + START == message.log_time
        assert np.array_equal(np.frombuffer(audio.data, "<i2"), frame.samples)

    # JSON channels: every message valid against the JSON Schema the file carries.
    for topic in ("/imu", "/events", "/truth"):
        assert schemas[topic].encoding == "jsonschema" and encodings[topic] == "json"
        schema = json.loads(schemas[topic].data)
        for message, body in by_topic[topic]:
            jsonschema.validate(body, schema)
            assert body["t_ns"] + START == message.log_time  # the payload keeps the stream's own t_ns


def test_stored_protobuf_schema_is_foxgloves_published_one(recording):
    from foxglove_schemas_protobuf.CompressedImage_pb2 import CompressedImage
    from foxglove_schemas_protobuf.RawAudio_pb2 import RawAudio
    from google.protobuf import descriptor_pb2

    with open(recording, "rb") as f:
        summary = make_reader(f).get_summary()
    stored = {s.name: descriptor_pb2.FileDescriptorSet.FromString(s.data) for s in summary.schemas.values() if s.encoding == "protobuf"}
    for cls in (CompressedImage, RawAudio):
        published = descriptor_pb2.FileDescriptorProto()
        cls.DESCRIPTOR.file.CopyToProto(published)
        files = {fd.name: fd for fd in stored[cls.DESCRIPTOR.full_name].file}
        assert files[published.name] == published
        assert "google/protobuf/timestamp.proto" in files  # its import travels with it


# -- info and describe -----------------------------------------------------------------------


def test_recording_info_counts(recording, frames):
    info = recording_info(recording)
    counts = {c["topic"]: c["messages"] for c in info["channels"]}
    assert counts == {"/camera": 10, "/cam2": 10, "/mic": 10, "/imu": 20, "/events": 2, "/truth": 1}
    assert info["messages"] == len(frames)
    assert info["start_ns"] == 0 and info["end_ns"] == max(f.t_ns for f in frames)
    assert info["duration_s"] == pytest.approx(max(f.t_ns for f in frames) / NS_PER_S)
    assert info["recovered"] is False and info["recovered_note"] is None
    schemas = {c["topic"]: (c["schema"], c["encoding"]) for c in info["channels"]}
    assert schemas["/camera"] == ("foxglove.CompressedImage", "protobuf")
    assert schemas["/imu"] == ("glasses.ImuSample", "json")


def test_describe_counts_what_frames_yields(recording):
    source = McapReplaySource(recording)
    described = source.describe()
    assert described["frames"] == len(list(source.frames()))
    assert described["recovered"] is False
    assert {c["topic"] for c in described["channels"]} >= {"/camera", "/mic", "/imu", "/events", "/truth"}


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "empty"),
        (b"this is not an mcap recording at all\n" * 10, "not an MCAP"),
        (b"\x89MCA", "truncated"),
        (b"PK\x03\x04" + bytes(100), "not an MCAP"),
    ],
)
def test_not_mcap_gives_one_line_error(tmp_path, content, match):
    path = tmp_path / "bad.mcap"
    path.write_bytes(content)
    for open_it in (McapReplaySource, recording_info):
        with pytest.raises(RecordingError, match=match) as err:
            open_it(path)
        assert "\n" not in str(err.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(RecordingError, match="no such"):
        McapReplaySource(tmp_path / "absent.mcap")
    with pytest.raises(RecordingError, match="no such"):
        recording_info(tmp_path / "absent.mcap")
    with pytest.raises(RecordingError, match="folder"):
        McapReplaySource(tmp_path)


def test_damaged_chunk_recovers_every_chunk_before_it_and_says_damaged(tmp_path, chunky):
    src, expected, _ = chunky
    data = bytearray(src.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # zero a run inside the data section
    path = tmp_path / "corrupt.mcap"
    path.write_bytes(bytes(data))
    # The summary is whole, so the warning can say how many messages the file held.
    with pytest.warns(RecoveredRecordingWarning,
                      match=rf"is damaged; damaged at byte \d+ \(.+\): recovered \d+ of {len(expected)} messages"):
        source = McapReplaySource(path, include_truth=True)
    got = list(source.frames())
    assert 0 < len(got) < len(expected)  # the chunks before the damage, not the whole file refused
    assert_same_frames(got, expected[: len(got)])
    info = recording_info(path)
    assert info["damaged"] and info["recovered"] and info["recovered_bytes"] <= middle
    assert "CRC" in info["crc"] or "stopped by" in info["crc"]


def test_every_flipped_byte_is_found(chunky, tmp_path):
    """A byte flipped anywhere: the file is refused in one line, or read up to the damage and
    called damaged; never read whole as if nothing happened (the CRCs cover every section)."""
    src, expected, _ = chunky
    clean = src.read_bytes()
    assert recording_info(src)["crc"].startswith(f"{recording_info(src)['crc'].split()[0]} chunks checked")
    path = tmp_path / "flipped.mcap"
    for position in range(0, len(clean), max(1, len(clean) // 97)):
        data = bytearray(clean)
        data[position] ^= 0x20
        path.write_bytes(bytes(data))
        try:
            info = recording_info(path)
        except RecordingError as err:
            assert "\n" not in str(err)
            continue
        assert info["damaged"] or info["recovered"], f"byte {position} flipped, file read as whole: {info['crc']}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RecoveredRecordingWarning)
            got = list(McapReplaySource(path, include_truth=True).frames())
        assert [frame_order_key(f) for f in got] == [frame_order_key(f) for f in expected[: len(got)]], position


def _record_spans(path: Path) -> list[tuple[str, int]]:
    """(record type, start byte) of each record ahead of the summary, in file order."""
    spans, start = [], len(b"\x89MCAP0\r\n")
    with open(path, "rb") as f:
        for record in StreamReader(f, emit_chunks=True).records:
            spans.append((type(record).__name__, start))
            start = f.tell()
    return spans


def test_a_flipped_opcode_or_length_never_steps_over_a_chunk(chunky, tmp_path):
    """mcap's reader skips a record of unknown opcode, and whatever a record's length claims
    beyond its fields: a flip in a chunk's opcode or in a message index's length once came out
    as frames with a gap (a whole chunk stepped over) instead of the prefix before the damage."""
    src, expected, _ = chunky
    clean = src.read_bytes()
    spans = _record_spans(src)
    chunk = next(start for kind, start in spans if kind == "Chunk")
    index = next(start for kind, start in spans if kind == "MessageIndex")
    path = tmp_path / "flipped.mcap"
    # the chunk's opcode; the index's record length (second byte); its array's length field
    for position in (chunk, index + 2, index + 1 + 8 + 2 + 1):
        data = bytearray(clean)
        data[position] ^= 0x20
        path.write_bytes(bytes(data))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RecoveredRecordingWarning)
            got = list(McapReplaySource(path, include_truth=True).frames())
        assert [frame_order_key(f) for f in got] == [frame_order_key(f) for f in expected[: len(got)]], position


def test_damaged_header_is_called_damaged_not_truncated(recording, tmp_path):
    data = bytearray(recording.read_bytes())
    data[9 + 8 : 9 + 12] = b"\xff\xff\xff\x7f"  # the profile string's length: far past the file
    path = tmp_path / "header.mcap"
    path.write_bytes(bytes(data))
    for open_it in (McapReplaySource, recording_info):
        with pytest.raises(RecordingError, match="damaged MCAP header"):
            open_it(path)
    data = bytearray(recording.read_bytes())
    data[8] = 0x05  # not a header's opcode
    path.write_bytes(bytes(data))
    with pytest.raises(RecordingError, match="damaged MCAP header"):
        recording_info(path)


def test_wall_clock_start_is_kept_and_t_ns_comes_back_unchanged(recording, frames):
    info = recording_info(recording)
    assert info["wall_clock_start_ns"] == START and info["wall_clock_start"] == "2026-01-01T00:00:00.000000Z"
    assert info["start_ns"] == 0  # the stream's own time, not the date
    with open(recording, "rb") as f:
        reader = make_reader(f)
        (meta,) = [m for m in reader.iter_metadata() if m.name == "glasses.recording"]
    assert meta.metadata["wall_clock_start"] == "2026-01-01T00:00:00.000000Z"
    assert_same_frames(list(McapReplaySource(recording, include_truth=True).frames()),
                       [replayed_form(f) for f in frames])


def test_recordings_of_one_scene_with_a_fixed_start_are_identical(tmp_path, frames):
    a = record(tmp_path / "a.mcap", frames, start_wall_ns=START)
    b = record(tmp_path / "b.mcap", frames, start_wall_ns=START)
    assert a.read_bytes() == b.read_bytes()


# -- recovery --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chunky(tmp_path_factory) -> tuple[Path, list[Frame], int]:
    """A recording in many small chunks (so truncation recovers many different prefixes)."""
    frames = make_frames(seconds=1.5)
    # A fixed capture date: the same bytes every run, so a flipped position means the same thing.
    path = record(tmp_path_factory.mktemp("chunky") / "chunky.mcap", frames, chunk_size=3000, start_wall_ns=START)
    with open(path, "rb") as f:
        next(StreamReader(f).records)
        header_end = f.tell()
    return path, [replayed_form(f) for f in frames], header_end


def _open_truncated(src: Path, dst: Path, offset: int) -> McapReplaySource:
    dst.write_bytes(src.read_bytes()[:offset])
    return McapReplaySource(dst, include_truth=True)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(data=st.data())
def test_truncated_anywhere_recovers_a_prefix_or_says_too_short(chunky, tmp_path_factory, data):
    path, expected, header_end = chunky
    size = path.stat().st_size
    offset = data.draw(st.integers(min_value=0, max_value=size), label="offset")
    dst = tmp_path_factory.getbasetemp() / "truncated.mcap"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            source = _open_truncated(path, dst, offset)
        except RecordingError as err:
            assert offset < header_end, f"offset {offset}: {err}"
            return
        got = list(source.frames())
    assert_same_frames(got, expected[: len(got)])
    described = source.describe()
    if offset == size:
        assert len(got) == len(expected) and not described["recovered"] and not caught
    else:
        assert described["recovered"]
        assert described["recovered_bytes"] <= offset
        assert any(issubclass(w.category, RecoveredRecordingWarning) and "recovered" in str(w.message) for w in caught)


def test_cut_in_the_summary_recovers_every_message(chunky, tmp_path):
    path, expected, _ = chunky
    size = path.stat().st_size
    with pytest.warns(RecoveredRecordingWarning, match=rf"recovered {len(expected)} of \? messages, 1\.4 s, up to byte \d+ of {size - 1}"):
        source = _open_truncated(path, tmp_path / "cut.mcap", size - 1)
    assert_same_frames(list(source.frames()), expected)
    info = recording_info(tmp_path / "cut.mcap")
    assert info["recovered"] and info["messages"] == len(expected) and "recovered" in info["recovered_note"]


def test_cut_right_after_header_is_an_empty_recovered_recording(chunky, tmp_path):
    path, _, header_end = chunky
    with pytest.warns(RecoveredRecordingWarning, match="recovered 0 of"):
        source = _open_truncated(path, tmp_path / "head.mcap", header_end)
    assert list(source.frames()) == []
    assert source.describe()["duration_s"] == 0.0


def test_recorder_killed_mid_recording_loses_at_most_the_open_chunk(tmp_path):
    """Copy the file while the recorder is still open, as a crash would leave it."""
    frames = make_frames(seconds=3.0)
    path, snapshot = tmp_path / "live.mcap", tmp_path / "crashed.mcap"
    recorder = McapRecorder(path, chunk_span_s=0.5)
    for frame in frames:
        recorder.write(frame)
    shutil.copyfile(path, snapshot)  # the writer never finished this copy
    recorder.close()
    with pytest.warns(RecoveredRecordingWarning):
        source = McapReplaySource(snapshot, include_truth=True)
    got = list(source.frames())
    assert_same_frames(got, [replayed_form(f) for f in frames][: len(got)])
    assert got[-1].t_ns >= 2 * NS_PER_S  # only the last half-second chunk may be missing
