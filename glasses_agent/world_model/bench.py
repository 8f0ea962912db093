"""`glasses-agent bench false-alarms`: surprise alarms per minute where nothing impossible happens.

Benign generated scenes (objects passing behind a bar and out again, looming, bouncing, a
turning and walking wearer, an empty room) and the unaltered clips of ../shared/data, each run
through the world model's object memory; an alarm is a rise of the surprise z-score over the
configurator's default threshold (3.0). Also the time per tick.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

SURPRISE_Z = 3.0
SHARED_VIDEO = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "video"
SHARED_CLIPS = ("box.mp4", "cup.mp4", "vtest.avi", "gopro_max-heromode.mp4", "sam2_03_blocks.mp4", "sam2_04_coffee.mp4")


def bench_false_alarms(args: Any) -> dict[str, Any]:
    from streams.sources.media_file import MediaFileSource
    from streams.sources.synthetic import SyntheticSource

    from glasses_agent.world_model.evaluation import count_alarms, surprise_series
    from glasses_agent.world_model.world import WorldModel

    world = WorldModel(None, None)
    rows: dict[str, dict[str, Any]] = {}
    started = time.perf_counter()
    ticks = 0

    def run(name: str, frames: Any) -> None:
        nonlocal ticks
        series, seconds = surprise_series(world, frames)
        ticks += len(series)
        alarms = count_alarms(series, SURPRISE_Z)
        rows[name] = {"seconds": round(seconds, 1), "alarms": alarms,
                      "per_minute": round(alarms / seconds * 60, 2) if seconds else None,
                      "max_z": round(max(series, default=0.0), 2)}

    for scenario in ("occlusion", "approach", "quiet", "mixed"):
        for seed in range(3):
            run(f"generated {scenario}:{seed}", SyntheticSource(seed=seed, scenario=scenario, duration_s=20.0,
                                                                include_truth=False).frames())
    for clip in SHARED_CLIPS:
        path = SHARED_VIDEO / clip
        if path.exists():
            run(f"shared {clip}", MediaFileSource(path, max_size=320).frames())
    wall = time.perf_counter() - started

    def total(prefix: str) -> dict[str, Any]:
        chosen = [r for k, r in rows.items() if k.startswith(prefix)]
        seconds = sum(r["seconds"] for r in chosen)
        alarms = sum(r["alarms"] for r in chosen)
        return {"seconds": round(seconds, 1), "alarms": alarms,
                "per_minute": round(alarms / seconds * 60, 2) if seconds else None}

    return {
        "benchmark": "surprise false alarms (object memory; z >= 3.0 rising edges)",
        "generated": total("generated"),
        "shared_data": total("shared"),
        "ms_per_tick": round(wall / max(1, ticks) * 1000, 2),
        "clips": rows,
    }
