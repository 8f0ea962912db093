"""One demo: `sim --demo` plays the scene of `run --demo` and its agent says the same things at
the same stream times (the simulator's driver pulled in lock-step, every tick, no clock)."""

from __future__ import annotations

import json

from tools.cli import build_parser, main
from tools.sim.session import build_driver


def _sim_demo_prompts() -> list[tuple[int, str, str]]:
    driver = build_driver(build_parser().parse_args(["sim", "--demo"]))
    prompts = []
    try:
        while (ctx := driver.next()) is not None:
            prompts += [(p.t_ns, p.kind, p.text) for p in ctx.prompts]
    finally:
        driver.close()
    return prompts


def test_sim_demo_says_what_run_demo_says_when_it_says_it(capsys, tmp_path):
    out = tmp_path / "prompts.jsonl"
    assert main(["run", "--demo", "--prompts-out", str(out)]) == 0
    capsys.readouterr()
    expected = [(r["t_ns"], r["kind"], r["text"]) for r in map(json.loads, out.read_text().splitlines())]
    assert {kind for _, kind, _ in expected} >= {"speech", "low_light", "text_read"}  # the demo's point
    assert _sim_demo_prompts() == expected


def test_sim_demo_is_the_length_of_run_demo():
    from tools.commands.common import DEMO_SECONDS

    driver = build_driver(build_parser().parse_args(["sim", "--demo"]))
    try:
        assert driver.feed.duration_s == DEMO_SECONDS
    finally:
        driver.close()


def test_the_simulator_drives_the_demo_agent_in_its_own_process():
    """Steps, a seek, feedback and playing, with the agent and its pacer in the child process."""
    import asyncio
    import time

    from tools.sim.app import SimApp
    from tools.sim.process_driver import ProcessDriver

    async def run() -> None:
        driver = build_driver(build_parser().parse_args(["sim", "--demo"]))
        assert isinstance(driver, ProcessDriver)
        app = SimApp(driver, playing=False)
        async with app.run_test(size=(120, 36)) as pilot:
            c = app.controller
            while c.frame is None or c.frame.last_prompt is None:  # step to the demo's first prompt
                assert await c.step() is not None
            assert c.frame.last_prompt.kind == "text_read" and c.frame.stream_s == 2.6
            assert await c.feedback("helpful") == c.frame.last_prompt.id
            await c.seek(5.0)
            assert c.frame.stream_s == 7.6
            c.set_speed(2.0)
            c.resume()  # the child's pacer pushes ticks on its own clock now
            deadline = time.monotonic() + 60
            while not c.ended and time.monotonic() < deadline:
                await pilot.pause(0.05)
            await c.wait_idle()  # the last frame drawn
            assert c.ended and c.frame.stream_s > 15.0
            kinds = {e.kind for e in app.query_one("CriticLog").entries}
            assert "low_light" in kinds  # the verdicts of the ticks played reach the log, drawn or not

    asyncio.run(run())
