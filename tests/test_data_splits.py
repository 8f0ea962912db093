"""The one split file: every shared clip is in exactly one half, and the halves never overlap."""

from __future__ import annotations

from tools import data_splits


def test_halves_are_disjoint_and_cover_each_kind():
    for kind in ("video", "speech", "sounds", "noise"):
        tuning, reporting = set(data_splits.tuning(kind)), set(data_splits.reporting(kind))
        assert tuning and reporting, kind
        assert not tuning & reporting, kind


def test_every_listed_file_exists(shared_data):
    for kind in ("video", "speech", "sounds", "noise"):
        for path in data_splits.tuning(kind, shared_data) + data_splits.reporting(kind, shared_data):
            assert path.is_file(), path


def test_every_shared_video_is_in_the_split(shared_data):
    videos = {p for p in (shared_data / "video").rglob("*") if p.suffix in {".mp4", ".avi", ".mkv"}}
    listed = set(data_splits.tuning("video", shared_data)) | set(data_splits.reporting("video", shared_data))
    assert videos == listed


def test_half_of_names_the_half():
    assert data_splits.half_of("video/cup.mp4") == "reporting"
    assert data_splits.half_of("video/box.mp4") == "tuning"
    assert data_splits.half_of("video/elsewhere.mp4") is None


def test_half_of_takes_absolute_paths(tmp_path):
    data = tmp_path / "data"
    assert data_splits.half_of(data / "video" / "cup.mp4", data) == "reporting"
    assert data_splits.half_of(tmp_path / "elsewhere.mp4", data) is None
