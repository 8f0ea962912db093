"""Replayed camera frames stay JPEG until their pixels are read, and are then the eager decode exactly."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

import streams.frames as frames_module
from streams.errors import RecordingError, StreamError
from streams.frames import NS_PER_S, EncodedVideoFrame, VideoFrame
from streams.images import ImageDecodeError, jpeg_shape
from streams.recording import McapRecorder, McapReplaySource
from tests.support.jpeg import decode_rgb, jpeg_of
from tools.cli import main

MS = 1_000_000


def _image(i: int, h: int = 48, w: int = 64) -> np.ndarray:
    rng = np.random.default_rng(i)
    img = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    img[:, (3 * i) % w : (3 * i) % w + 6] = (230, 30, 20)
    return img


def _without_quantisation_tables(jpeg: bytes) -> bytes:
    """The same JPEG with its DQT segments cut out: its markers still read, its pixels cannot decode."""
    out, i = bytearray(jpeg[:2]), 2
    while True:
        marker, length = jpeg[i + 1], int.from_bytes(jpeg[i + 2 : i + 4], "big")
        if marker == 0xDA:  # the scan and everything after it
            return bytes(out + jpeg[i:])
        if marker != 0xDB:
            out += jpeg[i : i + 2 + length]
        i += 2 + length


def _record(path: Path, jpegs: list[bytes]) -> Path:
    with McapRecorder(path) as rec:
        for i, data in enumerate(jpegs):
            # The image field is only a placeholder: the recorder writes the camera's JPEG bytes as they are.
            rec.write(VideoFrame(t_ns=i * 33 * MS, seq=i, source="camera", image=np.zeros((1, 1, 3), np.uint8), jpeg=data))
    return path


@pytest.fixture
def jpegs() -> list[bytes]:
    return [jpeg_of(_image(i), quality=70 + i) for i in range(6)]


def test_replayed_frames_wait_and_then_equal_the_eager_decode(tmp_path, jpegs):
    replayed = list(McapReplaySource(_record(tmp_path / "cam.mcap", jpegs)).frames())
    assert [type(f) for f in replayed] == [EncodedVideoFrame] * len(jpegs)
    for frame, data in zip(replayed, jpegs):
        assert not frame.decoded
        # What readers ask before reading pixels is answered from the header alone.
        assert (frame.has_image, frame.height, frame.width) == (True, 48, 64)
        assert frame.jpeg == data and not frame.decoded
        image = frame.image
        assert frame.decoded and image.dtype == np.uint8 and image.shape == (48, 64, 3)
        np.testing.assert_array_equal(image, decode_rgb(data))
        assert frame.image is image, "decoded once, then kept"
        assert (frame.height, frame.width) == image.shape[:2]


def test_rerecording_replayed_frames_keeps_the_bytes_and_reads_no_pixels(tmp_path, jpegs, monkeypatch):
    decodes = []
    real = frames_module.decode_image
    monkeypatch.setattr(frames_module, "decode_image", lambda data: decodes.append(1) or real(data))
    first = _record(tmp_path / "a.mcap", jpegs)
    copy = tmp_path / "b.mcap"
    with McapRecorder(copy) as rec:
        for frame in McapReplaySource(first).frames():
            rec.write(frame)
    assert decodes == [], "recording needs the JPEG, not its pixels"
    assert [f.jpeg for f in McapReplaySource(copy).frames()] == jpegs


def test_replace_gives_a_frame_with_pixels(tmp_path, jpegs):
    frame = next(iter(McapReplaySource(_record(tmp_path / "cam.mcap", jpegs)).frames()))
    small = dataclasses.replace(frame, image=np.zeros((8, 8, 3), np.uint8), jpeg=None)
    assert small.image.shape == (8, 8, 3) and small.jpeg is None and small.has_image and small.width == 8
    assert not frame.decoded, "replacing the image needs none of the old pixels"
    same = dataclasses.replace(frame, seq=99)
    assert same.seq == 99 and same.jpeg == jpegs[0]
    np.testing.assert_array_equal(same.image, decode_rgb(jpegs[0]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        frame.image = np.zeros((2, 2, 3), np.uint8)  # type: ignore[misc]


def test_two_threads_reading_one_frame_decode_it_once(tmp_path, jpegs, monkeypatch):
    frame = next(iter(McapReplaySource(_record(tmp_path / "cam.mcap", jpegs)).frames()))
    entered, release, decodes = threading.Event(), threading.Event(), []
    real = frames_module.decode_image

    def held_decode(data: bytes) -> np.ndarray:
        decodes.append(1)
        entered.set()
        release.wait(10)  # hold the first decode until the second reader has asked too
        return real(data)

    monkeypatch.setattr(frames_module, "decode_image", held_decode)
    results: list[np.ndarray] = []
    first = threading.Thread(target=lambda: results.append(frame.image))
    first.start()
    entered.wait(10)
    second = threading.Thread(target=lambda: results.append(frame.image))
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert len(decodes) == 1 and len(results) == 2 and results[0] is results[1]


def test_header_check_lets_only_well_formed_jpegs_wait(jpegs):
    data = jpegs[0]
    assert jpeg_shape(data) == (48, 64)
    assert jpeg_shape(jpeg_of(_image(1, 7, 301), quality=85)) == (7, 301)
    assert jpeg_shape(data[: len(data) // 2]) is None, "cut short: no end marker"
    assert jpeg_shape(b"\x89PNG\r\n\x1a\n" + data[2:]) is None
    assert jpeg_shape(data[:2] + b"\xff\xe1\x00\x10Exif\x00\x00" + bytes(8) + data[2:]) is None, "EXIF may turn it"
    assert jpeg_shape(b"") is None and jpeg_shape(b"\xff\xd8\xff\xd9") is None


def test_a_jpeg_cut_short_is_decoded_at_once_and_fails_there_as_before(tmp_path, jpegs):
    for cut in (jpegs[1][:-2], jpegs[1][: len(jpegs[1]) // 2]):  # its end marker lost; half of it lost
        source = McapReplaySource(_record(tmp_path / "cut.mcap", [jpegs[0], cut]))
        with pytest.raises(RecordingError, match=r"/camera message at t_ns=33000000 does not decode"):
            list(source.frames())


def test_a_jpeg_whose_header_does_not_read_is_a_recording_error_where_it_is_read(tmp_path, jpegs):
    broken = jpegs[0][:2] + b"\xff\xc0\x00\x03" + jpegs[0][2:]  # a frame header too short to hold a size
    source = McapReplaySource(_record(tmp_path / "bad.mcap", [jpegs[0], broken]))
    with pytest.raises(RecordingError, match=r"/camera message at t_ns=33000000 does not decode"):
        list(source.frames())


def test_pixels_that_do_not_decode_fail_where_they_are_read_naming_the_frame(tmp_path, jpegs):
    bad = _without_quantisation_tables(jpegs[2])
    assert jpeg_shape(bad) == (48, 64)
    assert cv2.imdecode(np.frombuffer(bad, np.uint8), cv2.IMREAD_COLOR) is None
    (frame,) = McapReplaySource(_record(tmp_path / "bad.mcap", [bad])).frames()
    assert frame.has_image and frame.jpeg == bad
    with pytest.raises(ImageDecodeError, match=r"^camera frame 0 at t_ns=0: image data does not decode$"):
        frame.image
    assert isinstance(ImageDecodeError("x"), StreamError), "the CLI prints it as one line"


def test_replay_of_undecodable_pixels_is_one_line(capsys, tmp_path, jpegs):
    bad = _without_quantisation_tables(jpegs[2])
    path = _record(tmp_path / "bad.mcap", [*jpegs, bad, *jpegs])
    # The agent reads each tick's newest frame: with ticks at 10 Hz over 33 ms frames, frame 6 is one.
    assert 6 * 33 * MS <= NS_PER_S // 10 * 2 < 7 * 33 * MS
    prompts = tmp_path / "prompts.jsonl"
    code = main(["replay", str(path), "--perception", "none", "--world", "none", "--prompts-out", str(prompts)])
    _, err = capsys.readouterr()
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "camera frame 6 at t_ns=198000000: image data does not decode" in err


def test_a_replay_can_still_decode_each_frame_as_it_reads_it(tmp_path, jpegs):
    path = _record(tmp_path / "cam.mcap", jpegs)
    eager = list(McapReplaySource(path, decode_when_read=False).frames())
    assert [type(f) for f in eager] == [VideoFrame] * len(jpegs)
    for frame, waiting, data in zip(eager, McapReplaySource(path).frames(), jpegs):
        assert frame.jpeg == waiting.jpeg == data
        np.testing.assert_array_equal(frame.image, waiting.image)
