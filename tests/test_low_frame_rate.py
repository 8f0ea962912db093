"""Clips at 3 frames/s (IntPhys-style renders, animated GIFs) are read at their own rate, and
`eval surprise` judges them at one tick a frame rather than repeating each frame at 10 Hz."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from glasses_agent.world_model.recordings import clip_ticks
from tools.evals.surprise_pairs import pixel_surprise
from streams.frames import VideoFrame
from streams.sources.media_file import MediaFileSource
from tools.cli import main
from tools.evals.frame_rate import tick_hz_for

FRAMES = 12


def _frames(vanish_at: int | None = None) -> list[np.ndarray]:
    """A white ball crossing a grey field, one step a frame (gone from `vanish_at` on)."""
    out = []
    for i in range(FRAMES):
        img = np.full((96, 128, 3), 50, np.uint8)
        if vanish_at is None or i < vanish_at:
            cv2.circle(img, (12 + i * 9, 48), 9, (255, 255, 255), -1)
        out.append(img)
    return out


def _write_mp4(path: Path, frames: list[np.ndarray], fps: float = 3.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (128, 96))
    for img in frames:
        writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def _write_gif(path: Path, frames: list[np.ndarray], ms: int = 333) -> Path:
    first, *rest = (Image.fromarray(f) for f in frames)
    first.save(path, save_all=True, append_images=rest, duration=ms, loop=0)
    return path


@pytest.mark.parametrize("kind", ["mp4", "gif"])
def test_media_reader_keeps_a_3_fps_clips_own_timestamps(tmp_path, kind):
    path = _write_mp4(tmp_path / "c.mp4", _frames()) if kind == "mp4" else _write_gif(tmp_path / "c.gif", _frames())
    source = MediaFileSource(path)
    stamps = [f.t_ns / 1e9 for f in source.frames() if isinstance(f, VideoFrame)]
    assert len(stamps) == FRAMES
    assert np.allclose(np.diff(stamps), 1 / 3, atol=0.01)
    assert source.describe()["fps"] == pytest.approx(3.0, abs=0.05)


@pytest.mark.parametrize("kind", ["mp4", "gif"])
def test_a_3_fps_clip_is_ticked_once_a_frame(tmp_path, kind):
    path = _write_mp4(tmp_path / "c.mp4", _frames()) if kind == "mp4" else _write_gif(tmp_path / "c.gif", _frames())
    hz = tick_hz_for(path)
    assert hz == pytest.approx(3.0, abs=0.05)
    ticks = clip_ticks(path, tick_hz=hz)
    # One tick a frame (the first tick closes at 1/3 s, so it holds frames 0 and 1), each with its own frame.
    assert len(ticks) in (FRAMES - 1, FRAMES)
    assert len({t.latest_video.seq for t in ticks}) == len(ticks)
    # Every tick after the first sees a new frame: the ball has moved on each one.
    assert all(s > 0 for s in pixel_surprise(ticks)[1:])


def test_faster_clips_and_recordings_keep_the_pipeline_rate(tmp_path):
    assert tick_hz_for(_write_mp4(tmp_path / "fast.mp4", _frames(), fps=25.0)) == 10.0
    assert tick_hz_for(tmp_path / "any.mcap") == 10.0


def test_eval_surprise_judges_3_fps_pairs_at_their_own_rate(tmp_path):
    folder = tmp_path / "pairs"
    folder.mkdir()
    _write_mp4(folder / "permanence_mp4_plausible.mp4", _frames())
    _write_mp4(folder / "permanence_mp4_implausible.mp4", _frames(vanish_at=6))
    _write_gif(folder / "permanence_gif_plausible.gif", _frames())
    _write_gif(folder / "permanence_gif_implausible.gif", _frames(vanish_at=6))
    out = tmp_path / "r.json"
    assert main(["eval", "surprise", "--pairs", str(folder), "--out", str(out)]) == 0
    rows = {r["name"]: r for r in json.loads(out.read_text())["pairs"]}
    for name, suffix in (("permanence_mp4", "mp4"), ("permanence_gif", "gif")):
        clip = folder / f"{name}_plausible.{suffix}"
        own_rate = float(np.mean(pixel_surprise(clip_ticks(clip, tick_hz=tick_hz_for(clip)))))
        at_10_hz = float(np.mean(pixel_surprise(clip_ticks(clip, tick_hz=10.0))))
        # The mean over time counts each frame once: no repeated frames at 10 Hz diluting it.
        assert rows[name]["models"]["pixel"]["plausible"]["mean"] == pytest.approx(own_rate, abs=1e-3)
        assert at_10_hz < 0.5 * own_rate
