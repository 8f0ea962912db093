"""Snapshots of the simulator at a fixed terminal size, driven from the recorded trace fixture
(not the live model), so they change only when the UI does. Update with --snapshot-update."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from streams.recording import McapReplaySource
from tools.sim.app import SimApp
from tools.sim.controller import ManualClock
from tools.sim.drivers import TraceDriver, load_trace
from tools.sim.widgets.health import health_items
from streams.ticks import TickStream as TickFeed

FIXTURES = Path(__file__).parent / "fixtures" / "sim"
SIZE = (120, 36)


def trace_app() -> SimApp:
    feed = TickFeed(McapReplaySource(FIXTURES / "scene.mcap"))
    driver = TraceDriver(feed, load_trace(FIXTURES / "trace.jsonl"), "replay scene.mcap (trace)")
    return SimApp(driver, clock=ManualClock(), playing=False)


async def _step_to(pilot, stream_s: float) -> None:
    """Step the replay to `stream_s` and let every pane draw what it shows then."""
    app = pilot.app
    while app.controller.frame is None or app.controller.frame.stream_s < stream_s:
        await app.controller.step()
    app.controller.status = ""
    app._show_state()
    await app.controller.wait_idle()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    await pilot.pause()  # the critic log and the table draw their rows on the next refresh


def test_main_screen_in_a_replay(snap_compare):
    async def step_to_the_hazard(pilot) -> None:
        # 1.5 s in, the recorded agent has warned of something looming and holds back repeats:
        # the HUD's hazard, the critic's verdicts with reasons, the looming box.
        await _step_to(pilot, 1.5)

    assert snap_compare(trace_app(), terminal_size=SIZE, run_before=step_to_the_hazard)


def test_help_screen(snap_compare):
    assert snap_compare(trace_app(), terminal_size=SIZE, press=["question_mark"])


SMALL = (80, 24)


def test_main_screen_at_80x24(snap_compare):
    async def step_to_the_hazard(pilot) -> None:
        await _step_to(pilot, 1.5)

    assert snap_compare(trace_app(), terminal_size=SMALL, run_before=step_to_the_hazard)


def test_every_health_value_mode_and_help_key_whole_at_80x24():
    asyncio.run(_check_small_screen())


async def _check_small_screen() -> None:
    app = trace_app()
    async with app.run_test(size=SMALL) as pilot:
        await _step_to(pilot, 1.5)
        screen = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        health = app.controller.frame.health
        for label, value in health_items(health):
            assert re.search(rf"{re.escape(label)} +{re.escape(value.plain)}(?: |│|$)", screen, re.M), (label, value.plain)
        top = screen.splitlines()[0]
        assert "mode explore" in top and "paused" in top and "t 1.5 / " in top
        assert "? " in screen.splitlines()[-1] and "all keys" in screen.splitlines()[-1]


def test_every_key_is_in_the_key_bar_or_the_help_screen():
    from tools.sim.screens import key_name

    help_keys = {key_name(k) for b in SimApp.BINDINGS for k in b.key.split(",")}
    bar_keys = {k for keys, _ in SimApp.KEY_BAR for k in keys.split()}
    assert bar_keys <= help_keys  # the bar offers nothing that does not exist
    assert {key_name(b.key.split(",")[0]) for b in SimApp.BINDINGS} <= bar_keys  # at 160 columns, every action
