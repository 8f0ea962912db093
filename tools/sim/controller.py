"""The session controller: between the simulator's UI and the interactive pacer that drives the agent.

Pacing is not the simulator's: `streams.pacers.InteractivePacer` keeps the wall clock, the play
state and the speed, and runs the driver (the tick core, the agent's stages, the mel strip) on
its one thread. The controller turns each tick into a `SimFrame` there and hands it to the UI
latest-wins: when drawing falls behind, the UI skips to the newest frame while the agent still
sees every tick. Steps, seeks and the agent's actions go to the pacer's thread as commands.
The wall clock is injected: `MonotonicClock` in the app, `ManualClock` in tests, so tests say
"half a second passes" instead of sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from glasses_agent.context import Entity
from glasses_agent.errors import GlassesAgentError
from streams.clock import ManualClock, MonotonicClock
from streams.frames import NS_PER_S
from streams.pacers.interactive import InteractivePacer
from tools.sim.buttons import button_note
from tools.sim.drivers import MODES, NOTHING_YET, Driver
from tools.sim.view import HudTracker, SimFrame, build_frame

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
# The screen is redrawn at most this often (real seconds), whatever the tick rate: drawing the
# panes costs the UI thread time the agent's thread then cannot have (one interpreter), and a
# person cannot follow more than a few pictures a second of a pane full of figures anyway.
DRAW_INTERVAL_S = 0.15
MAX_DRAW_INTERVAL_S = 1.0  # when the agent falls behind, drawing gives way, down to once a second
# A frame that came too soon after the last draw waits for a fresher one, which is drawn as it
# comes; only if none comes within this (a pause, the end, a stalled source) is the waiting one drawn.
STALL_S = 0.25
UNDRAWN_KEPT = 200  # superseded frames whose verdicts wait for the next draw (bounded)
__all__ = ["ManualClock", "MonotonicClock", "SessionController", "SPEEDS"]


class SessionController:
    """One simulator session: the pacer over a driver, and what the UI shows of it."""

    def __init__(
        self,
        driver: Driver,
        *,
        on_frame: Callable[[SimFrame], None],
        on_state: Callable[[], None] = lambda: None,
        speed: float = 1.0,
        clock: MonotonicClock | ManualClock | None = None,
        playing: bool = True,
    ) -> None:
        self.driver = driver
        self.on_frame = on_frame
        self.on_state = on_state
        self.clock = clock or MonotonicClock()
        # A driver whose agent runs elsewhere brings its own pacer there (tools.sim.process_driver);
        # ticks it pushes become frames through `_frame_of`, off the UI thread all the same.
        make_pacer = getattr(driver, "make_pacer", None)
        extra = {"convert": self._frame_of} if make_pacer is not None else {}
        self.pacer = (make_pacer or InteractivePacer)(
            self._produce, driver.feed, on_tick=self._hand_over, on_end=self._ended, on_error=self._report_error,
            on_start=self._refresh_enrolled, on_close=driver.close, clock=self.clock, speed=speed, playing=playing,
            **extra,
        )
        self.frame: SimFrame | None = None  # the frame the UI shows
        self.error: str | None = None
        self.status = ""  # the last action's result, for the header
        self.mode: str = "explore"
        self.goal: str | None = None
        self.names: dict[int, str] = {}
        self.enrolled: list[str] = []  # every name the agent knows (its memory), for the world pane
        self._hud = HudTracker()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._latest: SimFrame | None = None  # produced, not yet shown
        self._undrawn: list[SimFrame] = []  # superseded before drawn, with verdicts for the log
        self._delivery_pending = False  # a produced frame waits to be drawn
        self._check_queued = False  # a look at it (_deliver_soon) is queued on the UI's loop
        self._stall_timer: asyncio.TimerHandle | None = None
        self._produced_at: deque[float] = deque(maxlen=20)
        self._shown_at: deque[float] = deque(maxlen=20)
        self._process_s: deque[float] = deque(maxlen=20)
        self.frames_not_shown = 0  # produced, then superseded before the UI drew it
        self.draw_interval_s = DRAW_INTERVAL_S  # adapts: see _adapt_draw_interval
        self.stall_s = STALL_S
        self._dropped_seen = 0
        self.ticks_produced = 0  # ticks the agent processed while playing
        self.draws = 0  # frames drawn while playing (steps and seeks not counted)
        self.ages_s: deque[float] = deque(maxlen=100_000)  # frame age of every frame drawn while playing
        self._last_draw = float("-inf")  # time.monotonic() of the last draw: pacing the screen is real time

    # -- the pacer's state, read by the app ------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self.pacer.playing

    @property
    def ended(self) -> bool:
        return self.pacer.ended

    @property
    def speed(self) -> float:
        return self.pacer.speed

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.pacer.start()

    async def stop(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.pacer.stop)

    async def wait_idle(self) -> None:
        """Until the pacer waits (on its clock, a pause or the end) and the UI has shown its
        newest frame. For tests, which move a ManualClock and then look."""
        while not self.pacer.idle.is_set() or self._delivery_pending:
            await asyncio.sleep(0.001)

    # -- on the pacer's thread -----------------------------------------------------------------

    def _refresh_enrolled(self) -> None:
        try:
            self.enrolled = list(self.driver.enrolled())
        except Exception:  # noqa: BLE001 - a nicety: never worth stopping the session for
            pass

    def _report_error(self, err: BaseException) -> None:
        self.error = f"{type(err).__name__}: {err}"
        self._to_ui(self.on_state)

    def _ended(self) -> None:
        self.status = "end of stream"
        self._to_ui(self.on_state)

    def _to_ui(self, fn: Callable[..., Any], *args: Any) -> None:
        def unless_closing() -> None:
            if not self.pacer.closing:  # the window is going: nothing left to draw on
                fn(*args)

        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(unless_closing)

    def _hand_over(self, frame: SimFrame) -> None:
        """Hand a produced frame to the UI latest-wins: if the UI has not taken the previous
        one yet, it never will."""
        self._produced_at.append(self.clock.now())
        self.ticks_produced += 1
        with self.pacer.cv:
            if self._latest is not None:
                self.frames_not_shown += 1
                if self._latest.ctx.proposals and len(self._undrawn) < UNDRAWN_KEPT:
                    self._undrawn.append(self._latest)
            self._latest = frame
            self._delivery_pending = True
            schedule = not self._check_queued
            self._check_queued = True
        if schedule:
            self._to_ui(self._deliver_soon)

    def _deliver_soon(self) -> None:
        """UI thread, as each frame comes: draw it now if the draw interval since the last draw
        has passed. If not, it is not drawn late: the next frame takes its place and is drawn as
        it comes (so what is drawn is always fresh, and the screen is redrawn less often than
        ticks come); only if no next frame comes within `stall_s` is this one drawn."""
        with self.pacer.cv:
            self._check_queued = False
            waiting = self._latest is not None
        if not waiting:
            return
        wait = self._last_draw + self.draw_interval_s - time.monotonic()
        if wait <= 0 or self._loop is None:
            self._deliver()
            return
        if self._stall_timer is not None:
            self._stall_timer.cancel()
        self._stall_timer = self._loop.call_later(max(wait, self.stall_s), self._deliver_unless_closing)

    def _adapt_draw_interval(self) -> None:
        """The agent before the picture: when the pacer had to skip ticks since the last look,
        draw half as often again (the UI thread's time goes to the agent); when it keeps up,
        creep back towards `DRAW_INTERVAL_S`."""
        dropped = getattr(self.driver.feed, "dropped", 0)
        if dropped > self._dropped_seen:
            self.draw_interval_s = min(MAX_DRAW_INTERVAL_S, self.draw_interval_s * 1.5)
        else:
            self.draw_interval_s = max(DRAW_INTERVAL_S, self.draw_interval_s * 0.97)
        self._dropped_seen = dropped

    def _deliver_unless_closing(self) -> None:
        if not self.pacer.closing:
            self._deliver()

    def _produce(self, not_before_ns: int | None) -> Any:
        """The next TickContext and everything the panes need of it (a SimFrame; None at the
        end; NOTHING_YET when a live stream had no new tick)."""
        started = self.clock.now()  # the injected clock: a test's manual clock gives stable figures
        ctx = self.driver.next(not_before_ns)
        if ctx is None or ctx is NOTHING_YET:
            return ctx
        return self._frame_of(ctx, self.clock.now() - started)

    def _frame_of(self, ctx: Any, spent_s: float) -> SimFrame:
        """Everything the panes need of one tick; `spent_s` is the agent's time for it."""
        self._process_s.append(spent_s)
        return build_frame(ctx, self.driver.feed, self._hud, spent_s, self._process_s)

    # -- on the UI thread ----------------------------------------------------------------------

    def _deliver(self) -> None:
        """Show the newest produced frame, with how late it is shown."""
        with self.pacer.cv:
            frame, self._latest = self._latest, None
            undrawn, self._undrawn = tuple(self._undrawn), []
            self._delivery_pending = False
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None
        if frame is None:
            return
        if undrawn:
            frame = replace(frame, undrawn=undrawn)
        self._adapt_draw_interval()
        self._last_draw = time.monotonic()
        self.draws += 1
        live_age = getattr(self.driver.feed, "age_s", None)
        if live_age is not None:
            age = live_age(frame.t_ns)  # live stamps are on the monotonic clock: age is exact
        else:
            age = self.pacer.age_s(frame.t_ns)
        self.ages_s.append(age)
        self._show(frame, age)

    def _show(self, frame: SimFrame, age: float | None) -> None:
        now = self.clock.now()
        self._shown_at.append(now)
        health = replace(
            frame.health, frame_age_s=age, shown_per_s=_rate(self._shown_at), ticks_per_s=_rate(self._produced_at),
            frames_not_shown=self.frames_not_shown,
        )
        self.frame = replace(frame, health=health, names=dict(self.names))
        self.mode = frame.ctx.mode
        self.on_frame(self.frame)

    async def _call_reporting(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`_call`, but a failure of the agent (or a corrupt recording) becomes the error line and
        pauses the session instead of closing the window: the developer wants to see the state."""
        try:
            return await self._call(fn, *args)
        except Exception as err:  # noqa: BLE001
            self.pacer.set_state(playing=False)
            self.error = f"{type(err).__name__}: {err}"
            self.on_state()
            return NOTHING_YET

    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run `fn` on the pacer's thread (the driver's only thread) and wait for its result."""
        return await asyncio.wrap_future(self.pacer.call(fn, *args))

    # -- controls (UI thread) ------------------------------------------------------------------

    def _current_ns(self) -> int | None:
        """The tick shown now: where the pacer's clock is re-anchored on resume, speed and seek."""
        return self.frame.t_ns if self.frame is not None else None

    def _set(self, status: str, **state: Any) -> None:
        self.pacer.set_state(**state)
        self.status = status
        self.on_state()

    def pause(self) -> None:
        self._set("paused", playing=False)

    def resume(self) -> None:
        if self.ended:
            return
        self._set("", playing=True, anchor_ns=self._current_ns())

    def toggle(self) -> None:
        self.pause() if self.playing else self.resume()

    async def step(self) -> SimFrame | None:
        """Exactly one tick, then stay paused."""
        if self.playing:
            self.pause()
        if self.ended:
            return None
        frame = await self._call_reporting(self._produce, None)
        for _ in range(100):  # live: wait up to ~10 s (100 driver waits) for the next tick
            if frame is not NOTHING_YET or self.error:
                break
            frame = await self._call_reporting(self._produce, None)
        if frame is NOTHING_YET:
            self.status = "" if self.error else "no tick arrived"
            self.on_state()
            return None
        if frame is None:
            self._set("end of stream", ended=True)
            return None
        self._show(frame, None)
        self.status = f"stepped to tick {self.frame.index}"
        self.on_state()
        return self.frame

    def set_speed(self, speed: float) -> None:
        self._set(f"speed {speed:g}x", speed=speed, anchor_ns=self._current_ns())

    def faster(self, direction: int) -> None:
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - self.speed))
        self.set_speed(SPEEDS[max(0, min(len(SPEEDS) - 1, i + direction))])

    async def seek(self, delta_s: float) -> None:
        """Jump `delta_s` seconds (either way) in a replay, and show the tick there."""
        if not self.driver.seekable or self.frame is None:
            self.status = "this source cannot seek"
            self.on_state()
            return

        def seek_and_produce(target: int) -> SimFrame | None:
            self.driver.seek(target)
            self._hud.reset()
            with self.pacer.cv:
                self._latest = None  # a frame from before the jump must not be shown after it
                self._undrawn = []
            return self._produce(None)

        frame = await self._call_reporting(seek_and_produce, self.frame.t_ns + int(delta_s * NS_PER_S))
        if frame is None or frame is NOTHING_YET:
            return
        self._show(frame, None)
        self._set(f"at {frame.stream_s:.1f} s", ended=False, anchor_ns=self._current_ns())

    async def _act(self, fn: Callable[..., Any], *args: Any) -> bool:
        """A driver action on the pacing thread; a refusal (GlassesAgentError) becomes the status."""
        try:
            await self._call(fn, *args)
        except GlassesAgentError as err:
            self.status = str(err)
            self.on_state()
            return False
        return True

    async def feedback(self, verdict: str) -> str | None:
        """Tell the critic whether the newest prompt helped; returns its id (None: not given)."""
        prompt = self.frame.last_prompt if self.frame is not None else None
        if prompt is None:
            self.status = "no prompt yet to give feedback on"
            self.on_state()
            return None
        if not await self._act(self.driver.feedback, prompt.id, verdict):
            return None
        self.status = f"{verdict}: {prompt.text}"
        self.on_state()
        return prompt.id

    async def enroll(self, name: str, entity: Entity) -> bool:
        assert self.frame is not None
        if not await self._act(self.driver.enroll, name, self.frame.ctx, entity):
            return False
        await self._call(self._refresh_enrolled)
        self.names[entity.id] = name
        # Show the name at once, also while paused; the agent's recognition takes over next tick.
        self.frame = replace(self.frame, names=dict(self.names))
        self.status = f"enrolled #{entity.id} as {name!r}"
        self.on_frame(self.frame)
        self.on_state()
        return True

    async def set_goal(self, name: str | None) -> None:
        if not await self._act(self.driver.set_goal, name):
            return
        self.goal = name
        self.status = f"finding {name!r}" if name else "goal cleared"
        self.on_state()

    async def cycle_mode(self) -> str:
        current = self.mode if self.mode in MODES else MODES[0]
        mode = MODES[(MODES.index(current) + 1) % len(MODES)]
        if not await self._act(self.driver.set_mode, mode):
            return self.mode
        self.mode = mode
        self.status = f"mode {mode}"
        self.on_state()
        return mode

    async def button(self, action: str) -> str | None:
        """Press a glasses button (press, double_press, long_press) on the agent; returns the log's
        line for what it did (None: refused, the reason is the status)."""
        try:
            outcome = await self._call(self.driver.button, action)
        except GlassesAgentError as err:
            self.status = str(err)
            self.on_state()
            return None
        prompt = self.frame.last_prompt if self.frame is not None else None
        note = button_note(outcome, self.mode, None if prompt is None else prompt.text)
        self.mode = outcome.mode
        self.status = note
        self.on_state()
        return note


def _rate(stamps: deque[float]) -> float:
    if len(stamps) < 2 or stamps[-1] <= stamps[0]:
        return 0.0
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])
