"""`glasses-agent bench sim`: the simulator at --speed 1 with the full agent, beside the agent alone.

What a developer watching the simulator cares about: does the stream keep up with the wall clock
(stream seconds per wall second), does the agent see every tick (ticks skipped to stay current),
is what they see current (frame age, every frame drawn), and how often the screen is redrawn.
Three runs over the same recording, one after the other:
- `ui`: the simulator as `sim --replay F --speed 1` runs it (the interactive pacer, the agent in
  its own process, the panes drawn), in a headless Textual terminal of `SIZE`;
- `headless`: the same pacer and agent at --speed 1 with nothing drawn (what the UI costs is the
  difference);
- `agent_lockstep`: the agent alone at --speed max (its real-time factor: wall over stream time).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tools.bench.common import machine_info

SECONDS = 30.0
SIZE = (160, 50)
# What "keeps up" means (issue 20): the figures beside them say whether this run met them.
TARGETS = {"stream_per_wall_min": 0.98, "ticks_skipped_max_pct": 1.0, "frame_age_p99_max_ms": 250.0}


def _percentile_ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def _pace_figures(wall: float, stream_s: float, processed: int, skipped: int) -> dict[str, Any]:
    total = processed + skipped
    return {
        "wall_s": round(wall, 2),
        "stream_s": round(stream_s, 2),
        "stream_per_wall": round(stream_s / wall, 3) if wall else 0.0,
        "ticks_processed": processed,
        "ticks_skipped": skipped,
        "ticks_skipped_pct": round(100 * skipped / total, 2) if total else 0.0,
    }


async def _watch(driver: Any, seconds: float) -> dict[str, Any]:
    from tools.sim.app import SimApp

    app = SimApp(driver, playing=True)
    async with app.run_test(size=SIZE):
        c = app.controller
        while c.frame is None and not c.ended:  # from the first tick on: opening the agent is not pacing
            await asyncio.sleep(0.01)
        first_s = c.frame.stream_s if c.frame is not None else 0.0
        started, cpu = time.monotonic(), time.process_time()
        drawn_before = len(c.ages_s)
        while time.monotonic() - started < seconds and not c.ended:
            await asyncio.sleep(0.05)
        wall, cpu = time.monotonic() - started, time.process_time() - cpu
        frame = c.frame
        ages = list(c.ages_s)[drawn_before:]
        processed = int(c.ticks_produced)
        skipped = driver.feed.dropped
        draws = c.draws
    stream_s = (frame.stream_s - first_s) if frame is not None else 0.0
    return {
        **_pace_figures(wall, stream_s, processed, skipped),
        "frame_age_p50_ms": round(1000 * statistics.median(ages), 1) if ages else None,
        "frame_age_p99_ms": _percentile_ms(ages, 0.99),
        "frame_age_max_ms": round(1000 * max(ages), 1) if ages else None,
        "frames_drawn_per_s": round(draws / wall, 2) if wall else 0.0,
        "frames_not_drawn": frame.health.frames_not_shown if frame is not None else 0,
        "cpu_s_per_wall_s": round(cpu / wall, 3) if wall else 0.0,
    }


def _headless(driver: Any, seconds: float) -> dict[str, Any]:
    """The interactive pacer and the agent at --speed 1, nothing drawn."""
    from streams.pacers.interactive import InteractivePacer

    done = threading.Event()
    state: dict[str, Any] = {"first_ns": None, "last_ns": None, "processed": 0}

    def on_tick(ctx: Any) -> None:
        state["first_ns"] = ctx.t_ns if state["first_ns"] is None else state["first_ns"]
        state["last_ns"] = ctx.t_ns
        state["processed"] += 1
        if state["processed"] == 1:
            state["started"] = time.monotonic()

    pacer = InteractivePacer(driver.next, driver.feed, on_tick=on_tick, on_end=done.set, on_error=lambda _: done.set(),
                             on_close=driver.close)
    pacer.start()
    while "started" not in state and not done.is_set():
        time.sleep(0.01)
    started = state.get("started", time.monotonic())
    done.wait(seconds)
    wall = time.monotonic() - started  # before closing the agent, which is not pacing
    pacer.stop()
    stream_s = ((state["last_ns"] or 0) - (state["first_ns"] or 0)) / 1e9
    return _pace_figures(wall, stream_s, state["processed"], driver.feed.dropped)


def _lockstep(path: Path, memory: Path) -> dict[str, Any]:
    """The agent alone at --speed max: its wall time over the stream's."""
    from glasses_agent.agent import Agent, AgentConfig
    from streams.clock import VirtualClock
    from streams.pipeline import Pipeline
    from streams.recording import McapReplaySource

    agent = Agent(AgentConfig(memory_path=str(memory)))
    try:
        summary = asyncio.run(Pipeline(agent.stages(), clock=VirtualClock()).run_lockstep(McapReplaySource(path)))
    finally:
        agent.close()
    return {"wall_s": round(summary.wall_s, 2), "stream_s": round(summary.duration_s, 2),
            "real_time_factor": round(summary.real_time_factor, 3), "ticks_processed": summary.ticks_processed}


def agent_driver(path: str, memory: str) -> Any:
    """The full agent over the recording, as `sim --replay` builds it (run in the agent's process)."""
    import torch

    from glasses_agent.agent import Agent, AgentConfig
    from streams.recording import McapReplaySource
    from streams.ticks import TickStream
    from tools.sim.drivers import AgentDriver

    torch.set_num_threads(2)
    agent = Agent(AgentConfig(memory_path=memory))
    return AgentDriver(TickStream(McapReplaySource(path)), agent, f"bench {Path(path).name}")


def bench_sim(args: argparse.Namespace) -> dict[str, Any]:
    """The three runs of the module docstring over `--file` (or a generated scene), and which targets were met."""
    import torch

    from tools.commands.common import record_synthetic
    from tools.sim.process_driver import ProcessDriver

    torch.set_num_threads(2)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="glasses-agent-bench-sim-") as tmp:
        if args.file:
            path, what = Path(args.file), args.file
        else:
            path, what = Path(tmp) / "scene.mcap", f"generated {SECONDS + 2:g} s 'mixed' scene"
            record_synthetic(path, scenario="mixed", seed=0, duration_s=SECONDS + 2)

        def driver(name: str) -> Any:  # the agent in its own process, as `sim` runs it
            return ProcessDriver(agent_driver, str(path), str(Path(tmp) / f"{name}.sqlite3"))

        ui_driver = driver("ui")
        notes = list(ui_driver.agent.notes)
        ui = asyncio.run(_watch(ui_driver, SECONDS))
        headless = _headless(driver("headless"), SECONDS)
        lockstep = _lockstep(path, Path(tmp) / "lockstep.sqlite3")
    met = {
        "stream_per_wall": ui["stream_per_wall"] >= TARGETS["stream_per_wall_min"],
        "ticks_skipped": ui["ticks_skipped_pct"] <= TARGETS["ticks_skipped_max_pct"],
        "frame_age_p99": ui["frame_age_p99_ms"] is not None and ui["frame_age_p99_ms"] < TARGETS["frame_age_p99_max_ms"],
    }
    return {
        "input": what, "speed": 1.0, "terminal": f"{SIZE[0]}x{SIZE[1]}", "agent_notes": notes,
        # Other work on the machine takes the cores these figures are about: say how much there was.
        "machine": {**machine_info(), "load_average_1min_before": round(load_before[0], 2),
                    "load_average_1min_after": round(os.getloadavg()[0], 2)},
        "ui": ui, "headless": headless, "agent_lockstep": lockstep, "targets": TARGETS, "met": met,
        "all_met": all(met.values()),
    }
