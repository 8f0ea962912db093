"""Record -> replay through the CLI, as a test author and a user would run it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tools.cli import main

CLI = [sys.executable, "-m", "tools.cli"]


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def scene_mcap(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scene") / "scene.mcap"
    assert main(["record", "--synthetic", "mixed", "--seed", "3", "--duration", "6", "--out", str(out)]) == 0
    return out


def test_two_max_speed_replays_write_byte_identical_traces(capsys, scene_mcap, tmp_path):
    traces = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    for trace in traces:
        code, out, _ = cli(capsys, "replay", str(scene_mcap), "--speed", "max", "--trace-out", str(trace))
        assert code == 0 and "ticks" in out
    assert traces[0].read_bytes() == traces[1].read_bytes()
    records = [json.loads(line) for line in traces[0].read_text().splitlines()]
    assert len(records) >= 59
    assert {"t_ns", "video", "audio_samples", "imu"} <= set(records[0])
    assert [r["t_ns"] for r in records] == sorted(r["t_ns"] for r in records)


def test_replay_summary_and_info(capsys, scene_mcap):
    code, out, _ = cli(capsys, "replay", str(scene_mcap), "--json")
    summary = json.loads(out)
    assert code == 0
    assert summary["frames"]["camera"] == 60
    assert "truth" not in summary["frames"], "replay leaves the scorer's ground truth alone"
    assert summary["channels"] == {} and summary["ticks_dropped"] == 0
    code, out, _ = cli(capsys, "info", str(scene_mcap), "--json")
    info = json.loads(out)
    topics = {c["topic"]: c for c in info["channels"]}
    assert topics["/camera"]["schema"] == "foxglove.CompressedImage"
    assert topics["/mic"]["schema"] == "foxglove.RawAudio"
    assert topics["/camera"]["messages"] == 60


def test_stripping_the_truth_channel_changes_nothing(scene_mcap, tmp_path):
    """The agent never reads ground truth: a recording without it replays to the same trace."""
    from streams.recording import McapRecorder, McapReplaySource
    from streams.testing import run_test
    from streams.trace import TickTraceStage

    stripped = tmp_path / "stripped.mcap"
    with McapRecorder(stripped) as rec:
        for frame in McapReplaySource(scene_mcap, include_truth=True).frames():
            if frame.kind != "truth":
                rec.write(frame)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    run_test(McapReplaySource(scene_mcap, include_truth=True), [TickTraceStage(a)])
    run_test(McapReplaySource(stripped, include_truth=True), [TickTraceStage(b)])
    assert a.read_bytes() == b.read_bytes()


def test_replay_at_real_speed_is_paced(capsys, scene_mcap):
    code, out, _ = cli(capsys, "replay", str(scene_mcap), "--speed", "6", "--json")
    summary = json.loads(out)
    assert code == 0
    assert summary["wall_s"] >= 0.8, "6 s of stream at 6x takes about a second"
    assert summary["frames"]["camera"] == 60


def test_corrupt_recording_is_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.mcap"
    bad.write_bytes(b"this is not an mcap file at all" * 10)
    code, _, err = cli(capsys, "replay", str(bad))
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_ctrl_c_stops_a_paced_replay_cleanly(scene_mcap):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [*CLI, "replay", str(scene_mcap), "--speed", "0.5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        # A shell starts background jobs with SIGINT ignored, and children inherit that (then
        # Python never turns Ctrl-C into KeyboardInterrupt): give the replay the terminal's default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        # The replay takes 12 s; interrupt it once it is under way (the pipeline has imported).
        proc.wait(timeout=2.0)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err


@pytest.mark.shared_data
def test_gopro_import_and_replay_keeps_every_frame_aligned(capsys, shared_data, tmp_path):
    video = shared_data / "video" / "gopro_max-heromode.mp4"
    imu = shared_data / "video" / "gopro_max-heromode.imu.csv"
    out = tmp_path / "gopro.mcap"
    code, _, err = cli(capsys, "record", "--video", str(video), "--imu", str(imu), "--out", str(out))
    assert code == 0, err

    from streams.recording import McapReplaySource

    by_source: dict[str, list] = {}
    for frame in McapReplaySource(out).frames():
        by_source.setdefault(frame.source, []).append(frame)
    video_frames, audio, imu_samples = by_source["camera"], by_source["mic"], by_source["imu"]
    assert len(video_frames) == 315
    audio_s = sum(len(c.samples) for c in audio) / audio[0].sample_rate
    assert audio_s == pytest.approx(10.5, abs=0.15)
    assert 2000 <= len(imu_samples) <= 2150
    for frames in (video_frames, audio, imu_samples):
        stamps = [f.t_ns for f in frames]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps), "monotonic"
    frame_interval = 1e9 / 29.97
    assert abs(audio[0].t_ns - video_frames[0].t_ns) <= frame_interval
    assert abs(audio[-1].end_ns - (video_frames[-1].t_ns + frame_interval)) <= frame_interval

    code, out_text, _ = cli(capsys, "replay", str(out), "--json")
    summary = json.loads(out_text)
    assert summary["frames"] == {"camera": 315, "imu": len(imu_samples), "mic": len(audio)}
    assert summary["sync"]["seq_gaps"] == {} and summary["ticks_dropped"] == 0
