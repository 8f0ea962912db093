"""A recording imported from a media file carries the file's capture date: the container's
creation_time when it has one, else the file's modification time, and says which."""

from __future__ import annotations

import json
import os
from pathlib import Path

import av
import numpy as np
import pytest

from streams.recording import McapReplaySource
from streams.sources.capture_date import FROM_CREATION_TIME, FROM_MODIFICATION_TIME, parse_creation_time
from streams.sources.media_file import MediaFileSource
from tools.cli import main

CREATED = "2023-04-05T06:07:08.000000Z"  # MP4 keeps whole seconds
CREATED_NS = 1_680_674_828_000_000_000
MTIME_NS = 1_600_000_000_000_000_000  # 2020-09-13T12:26:40Z


def write_mp4(path: Path, creation_time: str | None) -> Path:
    """One second of 10 fps video, written by PyAV (FFmpeg's MP4 muxer), with or without a creation_time."""
    with av.open(str(path), "w") as container:
        if creation_time is not None:
            container.metadata["creation_time"] = creation_time
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(10):
            image = np.full((48, 64, 3), 20 * i, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def record(capsys, video: Path, out: Path) -> tuple[dict, str]:
    assert main(["record", "--video", str(video), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert main(["info", str(out), "--json"]) == 0
    return json.loads(capsys.readouterr().out), said


def test_an_imported_video_starts_at_its_creation_time(capsys, tmp_path):
    video = write_mp4(tmp_path / "walk.mp4", CREATED)
    os.utime(video, ns=(MTIME_NS, MTIME_NS))  # a later copy: the container's own date wins
    info, said = record(capsys, video, tmp_path / "walk.mcap")
    assert info["wall_clock_start_ns"] == CREATED_NS
    assert info["wall_clock_start"] == "2023-04-05T06:07:08.000000Z"
    assert info["wall_clock_start_from"] == FROM_CREATION_TIME
    assert "captured 2023-04-05T06:07:08.000000Z (from the media file's creation_time)" in said
    replay = McapReplaySource(tmp_path / "walk.mcap")
    assert replay.wall_clock_start_from == FROM_CREATION_TIME
    assert [f.t_ns for f in replay.frames()][0] == 0  # the stream's own time is untouched
    assert main(["info", str(tmp_path / "walk.mcap")]) == 0
    said = capsys.readouterr().out
    assert ("recorded   2023-04-05T06:07:08.000000Z (wall clock at the first message, "
            "from the media file's creation_time)") in said


def test_a_video_without_creation_time_starts_at_its_modification_time(capsys, tmp_path):
    video = write_mp4(tmp_path / "screen.mp4", None)
    with av.open(str(video)) as container:
        assert "creation_time" not in container.metadata  # the case under test
    os.utime(video, ns=(MTIME_NS, MTIME_NS))
    info, _ = record(capsys, video, tmp_path / "screen.mcap")
    assert info["wall_clock_start_ns"] == MTIME_NS
    assert info["wall_clock_start_from"] == FROM_MODIFICATION_TIME


@pytest.mark.parametrize(("text", "expected"), [
    ("2023-04-05T06:07:08.250000Z", CREATED_NS + 250_000_000),
    ("2023-04-05 06:07:08.25", CREATED_NS + 250_000_000),  # no zone: UTC, as FFmpeg writes it
    ("2023-04-05T08:07:08+02:00", CREATED_NS),
    ("1970-01-01T00:00:00.000000Z", None),  # MP4's "not set"
    ("1904-01-01T00:00:00.000000Z", None),
    ("yesterday", None),
    ("", None),
    (None, None),
])
def test_creation_time_parsing(text, expected):
    assert parse_creation_time(text) == expected


def test_media_source_exposes_the_date_and_where_it_came_from(tmp_path):
    video = write_mp4(tmp_path / "clip.mp4", CREATED)
    source = MediaFileSource(video)
    assert (source.wall_clock_start_ns, source.wall_clock_start_from) == (CREATED_NS, FROM_CREATION_TIME)
    assert source.describe()["wall_clock_start_from"] == FROM_CREATION_TIME
