"""The glasses' buttons in the simulator (keys 1, 2, 3), driven by Textual's Pilot: each press
changes what the wearer would notice (the mode shown, quiet on or off, the last prompt said
again), in the agent itself (in its own process, as `sim --demo` runs it) and in a trace replay.

Paused and stepped: every run sees the same ticks, nothing waits on a clock.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from streams.recording import McapReplaySource
from streams.ticks import TickStream
from tools.cli import build_parser
from tools.sim.app import SimApp
from tools.sim.buttons import BUTTON_KEYS
from tools.sim.controller import ManualClock
from tools.sim.drivers import TraceDriver, load_trace
from tools.sim.session import build_driver
from tools.sim.widgets.critic_log import CriticLog, entry_text
from tools.sim.widgets.session_bar import SessionBar

FIXTURES = Path(__file__).parent / "fixtures" / "sim"


def bar_text(app: SimApp) -> str:
    return str(app.query_one(SessionBar).render())


def log_lines(app: SimApp) -> list[str]:
    return [entry_text(e).plain.strip() for e in app.query_one(CriticLog).entries if e.mark == "↳"]


def test_the_three_buttons_reach_the_demo_agent_in_its_process_and_show():
    async def run() -> None:
        driver = build_driver(build_parser().parse_args(["sim", "--demo"]))
        app = SimApp(driver, playing=False)
        async with app.run_test(size=(160, 50)) as pilot:
            c = app.controller
            await pilot.press("1")  # before anything was said
            assert log_lines(app)[-1] == "↳ button press → no prompt yet to repeat"
            while c.frame is None or c.frame.last_prompt is None:  # step to the demo's first prompt
                assert await c.step() is not None
            prompt = c.frame.last_prompt
            assert c.mode == "explore" and "mode explore" in bar_text(app)

            await pilot.press("2")  # double press: the next mode of the cycle
            assert c.mode == "navigate" and "mode navigate" in bar_text(app)
            assert log_lines(app)[-1] == "↳ button double_press → mode navigate"
            await pilot.press("n")  # the agent keeps it: the next tick runs in it
            assert c.frame.ctx.mode == "navigate" and "mode navigate" in bar_text(app)

            await pilot.press("3")  # long press: quiet
            assert c.mode == "quiet" and "mode quiet" in bar_text(app)
            assert log_lines(app)[-1] == "↳ button long_press → quiet on"
            await pilot.press("n")
            assert c.frame.ctx.mode == "quiet"
            await pilot.press("3")  # again: back to the mode quiet was entered from
            assert c.mode == "navigate" and "mode navigate" in bar_text(app)
            assert log_lines(app)[-1] == "↳ button long_press → quiet off, mode navigate"

            last = c.frame.last_prompt
            assert last is not None and last.id == prompt.id  # nothing new said since
            await pilot.press("1")  # press: the last prompt, said again
            assert log_lines(app)[-1] == f"↳ button press → repeated: “{last.text}”"
            assert last.text in bar_text(app)
            await pilot.press("1")  # a second repeat is counted, not lost
            assert log_lines(app)[-1] == f"↳ button press → repeated: “{last.text}” ×2"
            assert c.mode == "navigate"  # repeating changes no mode

    asyncio.run(run())


def test_buttons_in_a_trace_replay_set_the_mode_its_next_ticks_show():
    async def run() -> None:
        trace = load_trace(FIXTURES / "trace.jsonl")
        driver = TraceDriver(TickStream(McapReplaySource(FIXTURES / "scene.mcap")), trace, "replay (trace)")
        app = SimApp(driver, clock=ManualClock(), playing=False)
        async with app.run_test(size=(160, 50)) as pilot:
            c = app.controller
            await pilot.press("n")
            recorded = c.frame.ctx.mode
            await pilot.press("3", "n")
            assert c.frame.ctx.mode == "quiet" and "mode quiet" in bar_text(app)
            await pilot.press("3", "2", "n")  # quiet off, then the mode after the recorded one
            cycle = ["explore", "navigate", "read", "social"]
            expected = cycle[(cycle.index(recorded) + 1) % len(cycle)]
            assert c.frame.ctx.mode == expected and f"mode {expected}" in bar_text(app)
            assert log_lines(app)[-1] == f"↳ button double_press → mode {expected}"

    asyncio.run(run())


def test_every_button_has_a_key_in_the_key_bar():
    from glasses_agent.configurator import BUTTON_MEANINGS

    assert [action for _, action, _ in BUTTON_KEYS] == list(BUTTON_MEANINGS)
    bar_keys = {k for keys, _ in SimApp.KEY_BAR for k in keys.split()}
    assert {key for key, _, _ in BUTTON_KEYS} <= bar_keys
