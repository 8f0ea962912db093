"""`glasses-agent bench sim`: the simulator at real-time pace, headless, with the real agent.

What a developer watching the simulator cares about: is what they see current (frame age), does
the agent see every tick (drops), and how often is the screen redrawn (drawn/s). The session
runs as `sim --replay F --speed 1` does, at a 160x50 terminal, minus the terminal itself.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

SECONDS = 30.0
SIZE = (160, 50)


async def _watch(driver: Any, seconds: float) -> dict[str, Any]:
    from tools.sim.app import SimApp

    ages: list[float] = []
    app = SimApp(driver, playing=True)
    async with app.run_test(size=SIZE):
        started = time.monotonic()
        cpu = time.process_time()
        seen = None
        while time.monotonic() - started < seconds and not app.controller.ended:
            await asyncio.sleep(0.05)
            frame = app.controller.frame
            if frame is not None and frame is not seen and frame.health.frame_age_s is not None:
                ages.append(frame.health.frame_age_s)
                seen = frame
        frame = app.controller.frame
        wall = time.monotonic() - started
        cpu = time.process_time() - cpu
    ages.sort()
    health = frame.health if frame is not None else None
    return {
        "wall_s": round(wall, 2),
        "stream_s": round(frame.stream_s, 2) if frame is not None else 0.0,
        "frame_age_p50_ms": round(1000 * statistics.median(ages), 1) if ages else None,
        "frame_age_p99_ms": round(1000 * ages[min(len(ages) - 1, int(0.99 * len(ages)))], 1) if ages else None,
        "frame_age_max_ms": round(1000 * ages[-1], 1) if ages else None,
        "ticks_processed_per_s": round(health.ticks_per_s, 2) if health else 0.0,
        "ticks_dropped": health.ticks_dropped if health else 0,
        "frames_drawn_per_s": round(health.shown_per_s, 2) if health else 0.0,
        "frames_not_drawn": health.frames_not_shown if health else 0,
        "cpu_s_per_wall_s": round(cpu / wall, 3) if wall else 0.0,
    }


def bench_sim(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from glasses_agent.agent import Agent, AgentConfig
    from streams.recording import McapReplaySource
    from tools.sim.drivers import AgentDriver
    from tools.sim.feed import TickFeed
    from tools.commands.common import record_synthetic

    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory(prefix="glasses-agent-bench-sim-") as tmp:
        if args.file:
            path, what = Path(args.file), args.file
        else:
            path, what = Path(tmp) / "scene.mcap", f"generated {SECONDS + 2:g} s 'mixed' scene"
            record_synthetic(path, scenario="mixed", seed=0, duration_s=SECONDS + 2)
        agent = Agent(AgentConfig(memory_path=str(Path(tmp) / "memory.sqlite3")))
        driver = AgentDriver(TickFeed(McapReplaySource(path)), agent, f"bench {path.name}")
        figures = asyncio.run(_watch(driver, SECONDS))
    return {"input": what, "terminal": f"{SIZE[0]}x{SIZE[1]}", "agent_notes": agent.notes, **figures}
