"""What keeps the simulator's drawing cheap: frames that come faster than the screen is redrawn
are superseded (never drawn late), the entity table changes only the cells that changed, the
mel strip is made only for frames that are drawn, and the agent's process sends the UI a
picture no larger than a pane can show."""

from __future__ import annotations

import asyncio
from pathlib import Path

import cv2
import numpy as np
from textual.app import App, ComposeResult

from glasses_agent.context import Entity, Percept, TickContext, WorldState
from streams.frames import EncodedVideoFrame, VideoFrame
from streams.recording import McapReplaySource
from streams.sync import Tick
from streams.ticks import TickStream
from tools.sim.app import SimApp
from tools.sim.controller import ManualClock
from tools.sim.drivers import TraceDriver, load_trace
from tools.sim.mel import log_mel
from tools.sim.process_driver import SENT_SIZE, FeedState, _light
from tools.sim.view import HudTracker, SimFrame, build_frame
from tools.sim.widgets.world import WorldView

FIXTURES = Path(__file__).parent / "fixtures" / "sim"
S = 1_000_000_000


def tone_ctx(t_ns: int, entities: tuple[Entity, ...] = (), video: tuple = ()) -> TickContext:
    audio = (8000 * np.sin(2 * np.pi * 1000 * np.arange(16_000) / 16_000)).astype(np.int16)
    tick = Tick(index=0, t_ns=t_ns, video=video, audio=audio)
    return TickContext(tick=tick, world=WorldState(t_ns=t_ns, entities=entities))


def frame_of(ctx: TickContext) -> SimFrame:
    return SimFrame(ctx=ctx, index=0, stream_s=ctx.t_ns / S, duration_s=None, image=None, mel_db=None,
                    level_db=0.0, hud=None, last_prompt=None)


def test_a_frame_too_soon_after_a_draw_waits_for_a_fresher_one_instead_of_being_drawn_late():
    async def run() -> None:
        clock = ManualClock()
        driver = TraceDriver(TickStream(McapReplaySource(FIXTURES / "scene.mcap")), load_trace(FIXTURES / "trace.jsonl"),
                             "trace")
        app = SimApp(driver, clock=clock, playing=True)
        async with app.run_test(size=(160, 50)):
            c = app.controller
            await c.wait_idle()
            draws, not_shown = c.draws, c.frames_not_shown
            c.draw_interval_s, c.stall_s = 0.3, 30.0
            clock.advance(0.1)  # tick 1 comes at once: too soon after tick 0's draw
            await asyncio.sleep(0.5)  # the draw interval passes (drawing is paced in real seconds)
            assert c.frame.index == 0 and c.draws == draws  # tick 1 was not drawn late, 0.3 s on
            clock.advance(0.1)  # tick 2 comes: drawn as it comes, tick 1 never
            await c.wait_idle()
            assert c.frame.index == 2
            assert c.draws == draws + 1 and c.frames_not_shown == not_shown + 1
            assert c.ages_s[-1] < 0.1  # fresh: shown on the tick's own (manual) clock time
            c.stall_s = 0.05
            clock.advance(0.1)  # tick 3 comes too soon and nothing follows: drawn after stall_s
            await c.wait_idle()
            assert c.frame.index == 3

    asyncio.run(run())


class WorldApp(App):
    def compose(self) -> ComposeResult:
        yield WorldView()


def test_entity_table_changes_cells_in_place_while_the_same_entities_move():
    def entity(i: int, x: float, last_seen_s: float = 1.0) -> Entity:
        return Entity(id=i, box=(x, 0.4, 0.1, 0.1), first_seen_ns=0, last_seen_ns=int(last_seen_s * S))

    async def run() -> None:
        app = WorldApp()
        async with app.run_test(size=(80, 20)) as pilot:
            world = app.query_one(WorldView)
            world.show(frame_of(tone_ctx(1 * S, (entity(1, 0.1), entity(2, 0.5)))), goal=None)
            await pilot.pause()
            table = world.table
            keys = list(table.rows)
            world.show(frame_of(tone_ctx(2 * S, (entity(1, 0.8), entity(2, 0.5)))), goal=None)  # #1 moves right
            await pilot.pause()
            assert list(table.rows) == keys  # the same rows, not a rebuilt table
            assert table.get_row("1")[3] == "right" and table.get_row("1")[4] == "1s ago"
            world.show(frame_of(tone_ctx(3 * S, (entity(2, 0.5), entity(3, 0.2)))), goal=None)  # #1 gone, #3 new
            await pilot.pause()
            assert [key.value for key in table.rows] == ["2", "3"]
            assert table.get_row("3")[3] == "left"

    asyncio.run(run())


def test_entity_table_columns_fit_a_changed_cell_before_the_next_repaint():
    """A repaint can come between a cell's change and the table's next idle moment, and Textual
    caches the painted row until the next change: the column must already fit the new value
    ("centre" was seen cut to "centr" in a snapshot under load)."""
    def entity(x: float) -> Entity:
        return Entity(id=1, box=(x, 0.4, 0.1, 0.1), first_seen_ns=0, last_seen_ns=1 * S)

    async def run() -> None:
        app = WorldApp()
        async with app.run_test(size=(80, 20)) as pilot:
            world = app.query_one(WorldView)
            world.show(frame_of(tone_ctx(1 * S, (entity(0.1),))), goal=None)  # "left"
            await pilot.pause()
            table = world.table
            where = list(table.columns.values())[3]
            world.show(frame_of(tone_ctx(2 * S, (entity(0.5),))), goal=None)  # "centre", in place
            assert table.get_row("1")[3] == "centre" and where.content_width == len("centre")
            world.show(frame_of(tone_ctx(3 * S, (entity(0.1),))), goal=None)  # back to "left"
            assert where.content_width == len("where")  # narrows again: the label is the widest
            await pilot.pause()
            assert where.content_width == len("where")

    asyncio.run(run())


def test_the_mel_strip_is_made_only_when_a_frame_is_drawn():
    ctx = tone_ctx(1 * S)

    frame = build_frame(ctx, FeedState(first_ns=0), HudTracker(), 0.01, [0.01])
    assert frame.mel_db is None and "mel" not in vars(frame)  # nothing computed for a frame never drawn
    np.testing.assert_array_equal(frame.mel, log_mel(ctx.tick.audio, 16_000, n_mels=32))
    # The level meter's figure is made for every frame (it is cheap): a sine at 8000/32768 is -15.3 dBFS.
    assert abs(frame.level_db - (20 * np.log10(8000 / 32768) - 3.01)) < 0.2


def test_the_agent_process_sends_a_pane_sized_picture_and_no_latents():
    rng = np.random.default_rng(0)
    big = rng.integers(0, 255, (480, 848, 3), np.uint8)
    older = VideoFrame(t_ns=1, seq=0, source="camera", image=big)
    newest = VideoFrame(t_ns=2, seq=1, source="camera", image=big, jpeg=b"jpeg bytes")
    ctx = TickContext(tick=Tick(index=0, t_ns=2, video=(older, newest), audio=np.zeros(16, np.int16)),
                      percept=Percept(2, *(np.zeros(4, np.float32),) * 3, np.zeros((1, 1, 1, 4), np.float32),
                                      np.zeros((1, 1, 4), np.float32)))
    sent = _light(ctx)
    assert sent.percept is None
    assert sent.tick.video[0].image.size == 0
    image = sent.tick.video[-1].image
    assert image.shape[1] <= SENT_SIZE[0] and image.shape[0] <= SENT_SIZE[1]
    assert abs(image.shape[1] / image.shape[0] - 848 / 480) < 0.02  # the aspect kept
    assert sent.tick.video[-1].jpeg is None and sent.tick.video[-1].t_ns == 2
    assert ctx.tick.video[-1].image.shape == (480, 848, 3)  # the agent's own context keeps its frame

    ok, data = cv2.imencode(".jpg", big[:, :, ::-1])
    undecoded = EncodedVideoFrame(3, 2, "camera", encoded=data.tobytes(), shape=(480, 848), jpeg=data.tobytes())
    sent = _light(TickContext(tick=Tick(index=0, t_ns=3, video=(undecoded,), audio=np.zeros(16, np.int16))))
    assert sent.tick.video[-1] is undecoded and not undecoded.decoded  # its JPEG travels; the UI decodes it
