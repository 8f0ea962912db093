"""The simulator driven by Textual's Pilot: stepping, pausing, feedback, enrolment, help.

Time is a `ManualClock` the tests move by hand, so "half a second passes" needs no sleeping and
every run sees the same ticks.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

import pytest

from streams.recording import McapReplaySource
from tools.sim.app import SimApp
from tools.sim.controller import ManualClock
from tools.sim.drivers import AgentDriver, TraceDriver, load_trace
from streams.ticks import TickStream as TickFeed
from tools.sim.screens import HelpScreen, NamePrompt
from tools.sim.widgets.camera import CameraView
from tools.sim.widgets.critic_log import CriticLog
from tools.sim.widgets.session_bar import SessionBar
from tools.sim.widgets.world import WorldView

FIXTURES = Path(__file__).parent / "fixtures" / "sim"
RECORDING = FIXTURES / "scene.mcap"
TRACE = FIXTURES / "trace.jsonl"
SIZE = (160, 50)
TICK_NS = 100_000_000


def in_loop(test):
    """Run an async test body on a fresh event loop (no async plugin needed)."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run


def trace_driver() -> TraceDriver:
    return TraceDriver(TickFeed(McapReplaySource(RECORDING)), load_trace(TRACE), "replay scene.mcap (trace)")


def bar_text(app: SimApp) -> str:
    return str(app.query_one(SessionBar).render())


@in_loop
async def test_stepping_advances_exactly_one_tick():
    app = SimApp(trace_driver(), clock=ManualClock(), playing=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.controller.wait_idle()
        assert app.controller.frame is None  # paused from the start: nothing shown yet
        await pilot.press("n")
        first = app.controller.frame
        assert first is not None and first.index == 0
        for expected in (1, 2, 3):
            await pilot.press("n")
            frame = app.controller.frame
            assert frame.index == expected
            assert frame.t_ns == first.t_ns + expected * TICK_NS
        assert app.frames_shown == 4
        assert "tick 3" in bar_text(app) and "paused" in bar_text(app)
        # What is shown is the recorded tick: the trace's mode at that time.
        assert app.controller.frame.ctx.mode == load_trace(TRACE)[frame.t_ns]["mode"]


@in_loop
async def test_pausing_stops_the_clock():
    clock = ManualClock()
    app = SimApp(trace_driver(), clock=clock, playing=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.controller.wait_idle()
        assert app.controller.frame.index == 0  # the first tick shows at once
        for _ in range(5):  # half a second at 1x: five more ticks, none dropped
            clock.advance(0.1)
            await app.controller.wait_idle()
        assert app.controller.frame.index == 5
        assert app.controller.frame.health.ticks_dropped == 0
        await pilot.press("space")
        clock.advance(10.0)
        await app.controller.wait_idle()
        assert app.controller.frame.index == 5  # paused: ten seconds pass, no tick
        assert "paused" in bar_text(app)
        await pilot.press("space")
        await app.controller.wait_idle()
        clock.advance(0.1)  # resumed where it stopped: the pause is not "caught up"
        await app.controller.wait_idle()
        assert app.controller.frame.index == 6
        assert app.controller.frame.health.ticks_dropped == 0
        assert "playing" in bar_text(app)


@in_loop
async def test_falling_behind_skips_to_the_newest_tick():
    clock = ManualClock()
    app = SimApp(trace_driver(), clock=clock, playing=True)
    async with app.run_test(size=SIZE):
        await app.controller.wait_idle()
        clock.advance(1.0)  # a whole second in one go, as if the agent had stalled
        await app.controller.wait_idle()
        frame = app.controller.frame
        # The ticks more than one tick late are skipped; the last two are processed.
        assert frame.index == 10
        assert frame.health.ticks_dropped == 8
        assert frame.health.frame_age_s is not None and frame.health.frame_age_s < 0.1


@in_loop
async def test_feedback_reaches_the_critic(tmp_path):
    from glasses_agent.agent import Agent, AgentConfig

    agent = Agent(AgentConfig(memory_path=str(tmp_path / "memory.sqlite3")))
    driver = AgentDriver(TickFeed(McapReplaySource(RECORDING)), agent, "replay scene.mcap")
    app = SimApp(driver, clock=ManualClock(), playing=False)
    async with app.run_test(size=SIZE) as pilot:
        while app.controller.frame is None or app.controller.frame.last_prompt is None:
            assert await app.controller.step() is not None, "the fixture recording should yield a prompt"
        prompt = app.controller.frame.last_prompt
        await pilot.press("h")
        feedback = agent.store.feedback()
        assert [(f.prompt_id, f.verdict) for f in feedback] == [(prompt.id, "helpful")]
        assert prompt.text in bar_text(app)
        await pilot.press("d")
        assert [f.verdict for f in agent.store.feedback()] == ["helpful", "dismissed"]
    # The critic learned from it and kept what it learned in the wearer's memory, except for
    # safety prompts, which feedback never mutes (recorded above, not learned from).
    from glasses_agent.critic import PARAMS_KEY
    from glasses_agent.memory import MemoryStore

    with MemoryStore(str(tmp_path / "memory.sqlite3"), "default") as store:
        assert (store.load_params(PARAMS_KEY) is None) == prompt.is_safety


@in_loop
async def test_feedback_before_any_prompt_says_so():
    app = SimApp(trace_driver(), clock=ManualClock(), playing=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "h")
        assert "no prompt yet" in bar_text(app)
        assert app.driver.feedback_log == []


@in_loop
async def test_help_screen_lists_every_key():
    app = SimApp(trace_driver(), clock=ManualClock(), playing=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        from rich.console import Console

        console = Console(record=True, width=120)
        console.print(app.screen.keys_table)
        text = console.export_text()
        for binding in SimApp.BINDINGS:
            assert binding.description in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@in_loop
async def test_mode_key_cycles_the_mode_shown():
    app = SimApp(trace_driver(), clock=ManualClock(), playing=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        before = app.controller.mode
        await pilot.press("m")
        assert app.controller.mode != before
        assert f"mode {app.controller.mode}" in bar_text(app)
        await pilot.press("n")  # the next tick keeps the switched mode
        assert app.controller.frame.ctx.mode == app.controller.mode


@in_loop
async def test_find_sets_the_goal(tmp_path):
    app = SimApp(trace_driver(), clock=ManualClock(), playing=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "f")
        assert isinstance(app.screen, NamePrompt)
        await pilot.press(*"keys", "enter")
        assert app.driver.goal == "keys"
        await pilot.press("n")
        summary = str(app.query_one("#world-summary").render())
        assert "goal keys" in summary


@in_loop
async def test_seek_jumps_in_the_replay():
    app = SimApp(trace_driver(), clock=ManualClock(), playing=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        start = app.controller.frame.stream_s
        await pilot.press("right")  # ahead 5 s: past the end of a 3 s recording -> its last tick
        assert app.controller.frame.stream_s > start + 2.0
        await pilot.press("left")
        assert app.controller.frame.stream_s == pytest.approx(0.1)
        assert app.controller.frame.ctx.tick.audio_coverage > 0


@in_loop
async def test_enrolling_shows_the_name_on_the_entity():
    app = SimApp(trace_driver(), clock=ManualClock(), playing=False)
    async with app.run_test(size=SIZE) as pilot:
        while not (app.controller.frame and app.controller.frame.ctx.world and app.controller.frame.ctx.world.entities):
            assert await app.controller.step() is not None, "the fixture trace should track an entity"
        world = app.query_one(WorldView)
        entity = world.selected()
        assert entity is not None and entity.name is None
        critic = app.query_one(CriticLog)
        before = critic.logged
        await pilot.press("e")
        assert isinstance(app.screen, NamePrompt)
        await pilot.press(*"my keyz", "backspace", "s", "left", "right", "enter")  # space and arrows edit the name
        assert app.controller.playing is False  # space typed a space, not "resume"
        assert app.driver.names == {entity.id: "my keys"}  # what the driver was told
        # The world pane's row and the camera pane's label both carry the name, at once...
        assert "my keys" in [str(cell) for cell in world.table.get_row_at(0)]
        assert app.query_one(CameraView).label_of(entity) == f"#{entity.id} my keys"
        assert "knows my keys" in str(app.query_one("#world-summary").render())
        assert critic.logged == before + 1  # the enrolment noted once; the tick's verdicts not again
        logged = critic.logged
        # ...and on the ticks after, while the track lives.
        await pilot.press("n")
        proposals = len(app.controller.frame.ctx.proposals)
        assert critic.logged == logged + proposals  # the new tick's verdicts, not the old ones again
        named = [e for e in app.controller.frame.ctx.world.entities if e.id == entity.id]
        assert named and named[0].name == "my keys"
        assert "my keys" in [str(cell) for cell in world.table.get_row_at(0)]


@in_loop
async def test_enrolling_without_a_selected_entity_says_so():
    app = SimApp(trace_driver(), clock=ManualClock(), playing=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "e")  # the first tick tracks nothing yet
        assert not isinstance(app.screen, NamePrompt)
        assert "no entity selected" in bar_text(app)


WORLD_CHECKPOINT = None  # the shipped default


@in_loop
async def test_enrolling_reaches_the_live_agent_and_names_the_entity(tmp_path):
    from glasses_agent.agent import Agent, AgentConfig

    agent = Agent(AgentConfig(memory_path=str(tmp_path / "memory.sqlite3"), world_checkpoint=WORLD_CHECKPOINT))
    if agent.world_stage is None:
        agent.close()
        pytest.skip("needs a world-model checkpoint (glasses_agent/checkpoints/world): " + "; ".join(agent.notes))
    driver = AgentDriver(TickFeed(McapReplaySource(RECORDING)), agent, "replay scene.mcap")
    app = SimApp(driver, clock=ManualClock(), playing=False)
    async with app.run_test(size=SIZE) as pilot:
        while not (app.controller.frame and app.controller.frame.ctx.world and app.controller.frame.ctx.world.entities):
            assert await app.controller.step() is not None, "the world model should track an entity in the fixture"
        entity = app.query_one(WorldView).selected()
        await pilot.press("e", *"keys", "enter")
        assert "enrolled" in bar_text(app)
        assert [e.name for e in agent.store.enrollments()] == ["keys"]  # in the wearer's memory
        assert "knows keys" in str(app.query_one("#world-summary").render())
        for _ in range(3):  # the following ticks: the agent runs on, the entity shows its name
            await pilot.press("n")
            assert app.controller.error is None, app.controller.error
        world = app.query_one(WorldView)
        assert any(e.id == entity.id for e in world.entities)
        assert app.query_one(CameraView).label_of(entity) == f"#{entity.id} keys"


@in_loop
async def test_speed_keys_change_the_pace():
    clock = ManualClock()
    app = SimApp(trace_driver(), clock=clock, playing=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.controller.wait_idle()
        await pilot.press("plus")
        assert app.controller.speed == 2.0 and "2×" in bar_text(app)
        await app.controller.wait_idle()
        start = app.controller.frame.index
        for _ in range(5):  # half a second at 2x: a second of stream, ten ticks
            clock.advance(0.1)
            await app.controller.wait_idle()
        assert app.controller.frame.index == start + 10
        await pilot.press("minus", "minus")
        assert app.controller.speed == 0.5 and "0.5×" in bar_text(app)
