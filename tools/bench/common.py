"""What the benchmarks share: the recording they replay and a description of the machine."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

SHARED_GOPRO = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "video" / "gopro_max-heromode.mp4"


def machine_info() -> dict[str, Any]:
    """The machine a benchmark ran on: Python, architecture, CPUs (and those this process may use)."""
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
    }


def prepare_recording(file: str | None, tmp: Path) -> tuple[Path, str]:
    """The recording to replay: the one given, the gopro clip imported with its IMU, or a scene."""
    from tools.commands.common import record_synthetic, write_all

    if file:
        path = Path(file)
        if path.suffix.lower() == ".mcap":
            return path, str(path)
        from streams.sources.media_file import MediaFileSource

        out = tmp / "bench.mcap"
        write_all(MediaFileSource(path), out)
        return out, str(path)
    out = tmp / "bench.mcap"
    if SHARED_GOPRO.exists():
        from streams.sources.media_file import MediaFileSource

        imu = SHARED_GOPRO.with_suffix(".imu.csv")
        write_all(MediaFileSource(SHARED_GOPRO, imu_csv=imu if imu.exists() else None), out)
        return out, f"{SHARED_GOPRO.name} (imported to MCAP with its IMU)"
    record_synthetic(out, scenario="mixed", seed=0, duration_s=30.0)
    return out, "generated 30 s 'mixed' scene (../shared/data absent)"
