"""Snapshots of the simulator at a fixed terminal size, driven from the recorded trace fixture
(not the live model), so they change only when the UI does. Update with --snapshot-update."""

from __future__ import annotations

from pathlib import Path

from streams.recording import McapReplaySource
from tools.sim.app import SimApp
from tools.sim.controller import ManualClock
from tools.sim.drivers import TraceDriver, load_trace
from streams.ticks import TickStream as TickFeed

FIXTURES = Path(__file__).parent / "fixtures" / "sim"
SIZE = (120, 36)


def trace_app() -> SimApp:
    feed = TickFeed(McapReplaySource(FIXTURES / "scene.mcap"))
    driver = TraceDriver(feed, load_trace(FIXTURES / "trace.jsonl"), "replay scene.mcap (trace)")
    return SimApp(driver, clock=ManualClock(), playing=False)


def test_main_screen_in_a_replay(snap_compare):
    async def step_to_the_hazard(pilot) -> None:
        app = pilot.app
        # 1.5 s in, the recorded agent has warned of something looming and holds back repeats:
        # the HUD's hazard, the critic's verdicts with reasons, the looming box.
        while app.controller.frame is None or app.controller.frame.stream_s < 1.5:
            await app.controller.step()
        app.controller.status = ""
        app._show_state()
        await app.controller.wait_idle()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        await pilot.pause()  # the critic log and the table draw their rows on the next refresh

    assert snap_compare(trace_app(), terminal_size=SIZE, run_before=step_to_the_hazard)


def test_help_screen(snap_compare):
    assert snap_compare(trace_app(), terminal_size=SIZE, press=["question_mark"])
