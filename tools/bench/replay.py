"""Benchmarks that print their figures and write them as JSON (never timed unit tests)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from streams.frames import NS_PER_S

# name -> ("module:function", what it measures). Each function takes the parsed arguments and
# returns a JSON-able dict of figures; `cmd_bench` prints its scalar figures and writes it all.
# Benchmarks of other parts live beside those parts and register here by one line.
BENCHMARKS: dict[str, tuple[str, str]] = {
    "replay": ("tools.bench.replay:bench_replay_command", "replay throughput at --speed max (no model)"),
    "bridge": ("tools.bench.bridge:bench_bridge", "MQTT bridge under K emulated devices for T s: messages/s, drops, prompt latency, memory, largest K"),
    "agent": ("tools.run_commands:bench_agent", "the whole agent on the gopro clip at --speed max: real-time factor, stage latency, memory"),
    "encode": ("tools.perception_commands:bench_encode_command", "perception encode latency per tick (--file: a checkpoint)"),
    "sim": ("tools.sim.bench:bench_sim", "the simulator at real-time pace, headless, real agent: frame age, drops, draw rate"),
    "false-alarms": ("tools.bench.false_alarms:bench_false_alarms", "world-model surprise alarms per minute on benign generated scenes and ../shared/data clips"),
}

SHARED_GOPRO = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "video" / "gopro_max-heromode.mp4"


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
    }


def _prepare_recording(file: str | None, tmp: Path) -> tuple[Path, str]:
    """The recording to replay: the one given, the gopro clip imported with its IMU, or a scene."""
    from tools.stream_commands import _write_all, record_synthetic

    if file:
        path = Path(file)
        if path.suffix.lower() == ".mcap":
            return path, str(path)
        from streams.sources.media_file import MediaFileSource

        out = tmp / "bench.mcap"
        _write_all(MediaFileSource(path).frames(), out)
        return out, str(path)
    out = tmp / "bench.mcap"
    if SHARED_GOPRO.exists():
        from streams.sources.media_file import MediaFileSource

        imu = SHARED_GOPRO.with_suffix(".imu.csv")
        _write_all(MediaFileSource(SHARED_GOPRO, imu_csv=imu if imu.exists() else None).frames(), out)
        return out, f"{SHARED_GOPRO.name} (imported to MCAP with its IMU)"
    record_synthetic(out, scenario="mixed", seed=0, duration_s=30.0)
    return out, "generated 30 s 'mixed' scene (../shared/data absent)"


def bench_replay(file: str | None, repeat: int) -> dict[str, Any]:
    from tools.stream_commands import open_replay, run_replay

    with tempfile.TemporaryDirectory(prefix="glasses-agent-bench-") as tmp:
        recording, label = _prepare_recording(file, Path(tmp))
        runs = []
        for _ in range(max(1, repeat)):
            t0 = time.perf_counter()
            summary = run_replay(open_replay(recording), speed=None)
            wall = time.perf_counter() - t0
            frames = summary.frames
            video = sum(n for src, n in frames.items() if src in ("camera", "video"))
            runs.append({"wall_s": wall, "video_frames": video, "summary": summary})
        wall = statistics.median(r["wall_s"] for r in runs)
        last = runs[-1]["summary"]
        audio_s = last.duration_s  # the stream's span; audio covers it in these recordings
        return {
            "benchmark": "replay --speed max (MCAP decode + tick sync, no model)",
            "recording": label,
            "repeat": len(runs),
            "stream_s": round(last.duration_s, 3),
            "frames": dict(last.frames),
            "ticks": last.ticks_processed,
            "wall_s_median": round(wall, 4),
            "video_frames_per_s": round(runs[-1]["video_frames"] / wall, 1),
            "audio_s_per_s": round(audio_s / wall, 1),
            "real_time_factor": round(wall / last.duration_s, 4) if last.duration_s else None,
            "machine": _machine(),
        }


def bench_replay_command(args: argparse.Namespace) -> dict[str, Any]:
    return bench_replay(args.file, args.repeat)


def write_results(path: str | Path, result: dict[str, Any]) -> Path:
    """Write a command's figures as JSON (sorted keys, so runs diff cleanly); returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return out


def print_figures(result: dict[str, Any], prefix: str = "") -> None:
    """Every scalar figure, one a line, nested dicts flattened with dots."""
    for key, value in result.items():
        if isinstance(value, dict):
            print_figures(value, f"{prefix}{key}.")
        elif not isinstance(value, list):
            print(f"{prefix + key:<32} {value}")


def cmd_bench(args: argparse.Namespace) -> int:
    import importlib

    module_name, function_name = BENCHMARKS[args.what][0].split(":")
    result = getattr(importlib.import_module(module_name), function_name)(args)
    out = write_results(args.out or f"bench-results/{args.what}.json", result)
    print_figures(result)
    print(f"{'written':<32} {out}")
    return 0


__all__ = ["BENCHMARKS", "bench_replay", "print_figures", "write_results", "NS_PER_S"]
