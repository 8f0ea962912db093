"""`glasses-agent bench replay`: replay throughput at --speed max (MCAP decode and tick sync, no model)."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tools.bench.common import machine_info, prepare_recording
from tools.commands.common import open_replay, run_replay


def bench_replay(file: str | None, repeat: int) -> dict[str, Any]:
    """Median wall time of `repeat` lock-step replays of the recording (no model), and rates from it."""
    from tools.progress import Progress

    with tempfile.TemporaryDirectory(prefix="glasses-agent-bench-") as tmp:
        recording, label = prepare_recording(file, Path(tmp))
        runs = []
        with Progress("bench replay", total=max(1, repeat)) as progress:
            for _ in range(max(1, repeat)):
                t0 = time.perf_counter()
                summary = run_replay(open_replay(recording), speed=None)
                wall = time.perf_counter() - t0
                frames = summary.frames
                video = sum(n for src, n in frames.items() if src in ("camera", "video"))
                runs.append({"wall_s": wall, "video_frames": video, "summary": summary})
                progress.update(advance=1, note=f"{wall:.2f} s")
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
            "machine": machine_info(),
        }


def bench_replay_command(args: argparse.Namespace) -> dict[str, Any]:
    """`glasses-agent bench replay [--file F] [--repeat N]`."""
    return bench_replay(args.file, args.repeat)
