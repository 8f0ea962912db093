"""`glasses-agent bench false-alarms`: surprise alarms per minute where nothing impossible happens.

Benign generated scenes (objects passing behind a bar and out again, looming, bouncing, a
turning and walking wearer, an empty room) and six unaltered clips of ../shared/data, each run
through the world model's pixel channels alone; an alarm is a rise of the surprise z-score over
the configurator's default threshold (3.0). Also the time per tick. Then every clip under
../shared/data/video (intel/ included) through the whole agent with the shipped models: its
surprise alarms and the surprise prompts that reached the wearer, a minute of footage at a time.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

SURPRISE_Z = 3.0
SHARED_VIDEO = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "video"
SHARED_CLIPS = ("box.mp4", "cup.mp4", "vtest.avi", "gopro_max-heromode.mp4", "sam2_03_blocks.mp4", "sam2_04_coffee.mp4")


def every_shared_clip(folder: Path = SHARED_VIDEO) -> list[str]:
    """Every video under the shared clips' folder, subfolders included, as paths relative to it."""
    if not folder.is_dir():
        return []
    from streams.sources.media_file import VIDEO_SUFFIXES

    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES)


def bench_false_alarms(args: Any) -> dict[str, Any]:
    """Alarms per minute and the largest z, per clip and in total, on benign scenes and the shared clips."""
    from streams.sources.media_file import MediaFileSource
    from streams.sources.synthetic import SyntheticSource

    from tools.evals.surprise_pairs import count_alarms, surprise_series
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
        "shared_data_shipped_models": shipped_model_alarms(),
    }


def shipped_model_alarms(object_slots: bool | None = None, clips: list[str] | None = None) -> dict[str, Any] | None:
    """Unaltered clips (default: every one under ../shared/data/video) through the whole agent as
    `glasses-agent run --replay CLIP` runs it
    (shipped perception and world model, no IMU): the world's surprise alarms and the surprise
    prompts that reached the wearer. None where the checkpoints cannot be loaded. `object_slots`:
    the world model's object slots on/off (None: its default)."""
    import asyncio
    import tempfile

    from glasses_agent.agent import Agent, AgentConfig
    from glasses_agent.errors import GlassesAgentError
    from streams.clock import VirtualClock
    from streams.pipeline import Pipeline
    from streams.sources.media_file import MediaFileSource
    from streams.stages import FunctionStage

    from tools.evals.surprise_pairs import count_alarms

    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="false-alarms-") as tmp:
        for clip in every_shared_clip() if clips is None else clips:
            path = SHARED_VIDEO / clip
            if not path.exists():
                continue
            series: list[float] = []
            prompts: list[str] = []

            def collect(ctx: Any) -> Any:
                if ctx.world is not None:
                    series.append(ctx.world.surprise)
                prompts.extend(p.kind for p in ctx.prompts)
                return ctx

            try:
                agent = Agent(AgentConfig(mode="explore", memory_path=f"{tmp}/{clip.replace('/', '_')}.sqlite3", perception_checkpoint=None,
                                          world_checkpoint=None, object_slots=object_slots, auto_mode=False,
                                          log_prompts=False))
            except GlassesAgentError:
                return None
            try:
                if agent.world_stage is None:
                    return None
                pipeline = Pipeline(agent.stages() + [FunctionStage(collect, name="collect")], clock=VirtualClock())
                summary = asyncio.run(pipeline.run_lockstep(MediaFileSource(path)))
            finally:
                agent.close()
            seconds = summary.duration_s
            alarms = count_alarms(series, SURPRISE_Z)
            rows[clip] = {"seconds": round(seconds, 1), "alarms": alarms, "max_z": round(max(series, default=0.0), 2),
                          "surprise_prompts": prompts.count("surprise")}
    seconds = sum(r["seconds"] for r in rows.values())
    alarms = sum(r["alarms"] for r in rows.values())
    prompts = sum(r["surprise_prompts"] for r in rows.values())
    return {"seconds": round(seconds, 1), "alarms": alarms,
            "per_minute": round(alarms / seconds * 60, 2) if seconds else None, "surprise_prompts": prompts,
            "prompts_per_minute": round(prompts / seconds * 60, 2) if seconds else None, "clips": rows}
