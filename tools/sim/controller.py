"""The session controller: the simulator's clock and the one place that talks to the driver.

It runs as a task on the app's event loop and does the driver's work (reading frames, the
agent's stages, the mel strip) on one worker thread, so the UI never waits on the model.
- Playing: tick k is due at wall time `anchor_wall + (t_k - anchor_stream) / speed`. When the
  agent falls behind, ticks whose time has passed are skipped (latest-wins, counted as drops),
  so the view stays within a tick of real time instead of drifting ever later.
- Paused: nothing advances; `step()` produces exactly one tick. Resuming re-anchors the clock
  at the current tick, so a pause is not "caught up" afterwards.
- Seeking re-opens the replay at a tick near the target and re-anchors.
The wall clock is injected: `MonotonicClock` in the app, `ManualClock` in tests, so tests say
"half a second passes" instead of sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from glasses_agent.context import Entity, TickContext
from glasses_agent.errors import GlassesAgentError
from streams.frames import NS_PER_S
from tools.sim.drivers import MODES, Driver
from tools.sim.view import Health, HudTracker, SimFrame, audio_view, camera_fps

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()

    async def wait_until(self, wall_s: float, wake: asyncio.Event) -> None:
        delay = wall_s - self.now()
        if delay <= 0:
            return
        try:
            await asyncio.wait_for(wake.wait(), timeout=delay)
        except TimeoutError:
            pass


class ManualClock:
    """Wall time that moves only when a test calls `advance`."""

    def __init__(self) -> None:
        self.t = 0.0
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> float:
        return self.t

    def listen(self, poke: Callable[[], None]) -> None:
        self._listeners.append(poke)

    def advance(self, seconds: float) -> None:
        self.t += seconds
        for poke in self._listeners:
            poke()

    async def wait_until(self, wall_s: float, wake: asyncio.Event) -> None:
        if self.t < wall_s:
            await wake.wait()


class SessionController:
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
        self.speed = speed
        self.clock = clock or MonotonicClock()
        self.playing = playing
        self.ended = False
        self.frame: SimFrame | None = None
        self.error: str | None = None
        self.status = ""  # the last action's result, for the header
        self.mode: str = "explore"
        self.goal: str | None = None
        self.names: dict[int, str] = {}
        self._hud = HudTracker()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sim-driver")
        self._lock = asyncio.Lock()  # one advance (or action) at a time
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._anchor: tuple[float, int] | None = None  # (wall s, stream ns)
        self._shown_at: deque[float] = deque(maxlen=20)
        self._process_s: deque[float] = deque(maxlen=20)
        if isinstance(self.clock, ManualClock):
            self.clock.listen(self._poke)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="sim-controller")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        async with self._lock:
            await self._in_worker(self.driver.close)
        self._worker.shutdown(wait=False)

    async def wait_idle(self) -> None:
        """Until the controller waits on its clock or a pause (for tests)."""
        await self._idle.wait()

    def _poke(self) -> None:
        self._idle.clear()
        self._wake.set()

    async def _in_worker(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._worker, fn, *args)

    # -- the clock -----------------------------------------------------------------------------

    def _stream_now(self) -> int | None:
        if self._anchor is None:
            return None
        wall, stream = self._anchor
        return stream + int((self.clock.now() - wall) * self.speed * NS_PER_S)

    def _due_wall(self, t_ns: int) -> float:
        assert self._anchor is not None
        wall, stream = self._anchor
        return wall + (t_ns - stream) / NS_PER_S / self.speed

    def _reanchor(self) -> None:
        """Make the tick shown now the stream time of this instant."""
        current = self.frame.t_ns if self.frame is not None else None
        self._anchor = None if current is None else (self.clock.now(), current)

    async def _run(self) -> None:
        while True:
            if not self.playing or self.ended:
                self._idle.set()
                await self._wake.wait()
                self._wake.clear()
                continue
            due_ns = self.driver.feed.next_tick_ns
            if self._anchor is not None and due_ns is not None:
                due_wall = self._due_wall(due_ns)
                if self.clock.now() < due_wall:
                    self._idle.set()
                    await self.clock.wait_until(due_wall, self._wake)
                    self._wake.clear()
                    continue  # re-check: a pause, seek or speed change may have come in
            self._idle.clear()
            stream_now = self._stream_now()
            # Behind by more than half a tick: skip to the newest due tick (latest-wins).
            not_before = None if stream_now is None else stream_now - self.driver.feed.tick_ns // 2
            await self._advance(not_before, paced=True)

    async def _advance(self, not_before_ns: int | None, *, paced: bool) -> SimFrame | None:
        async with self._lock:
            try:
                frame = await self._in_worker(self._produce, not_before_ns)
            except Exception as err:  # noqa: BLE001 - shown in the UI; the session stays open
                self.error = f"{type(err).__name__}: {err}"
                self.playing = False
                self.on_state()
                return None
        if frame is None:
            self.ended = True
            self.playing = False
            self.status = "end of stream"
            self.on_state()
            return None
        if self._anchor is None:
            self._anchor = (self.clock.now(), frame.t_ns)
        now = self.clock.now()
        age = max(0.0, now - self._due_wall(frame.t_ns)) if paced else None
        self._shown_at.append(now)
        health = replace(frame.health, frame_age_s=age, ticks_per_s=self._ticks_per_s())
        frame = replace(frame, health=health)
        self.frame = frame
        self.mode = frame.ctx.mode
        self.on_frame(frame)
        return frame

    def _ticks_per_s(self) -> float:
        if len(self._shown_at) < 2 or self._shown_at[-1] <= self._shown_at[0]:
            return 0.0
        return (len(self._shown_at) - 1) / (self._shown_at[-1] - self._shown_at[0])

    def _produce(self, not_before_ns: int | None) -> SimFrame | None:
        """Worker thread: the next TickContext and everything the panes need of it."""
        started = self.clock.now()  # the injected clock: a test's manual clock gives stable figures
        ctx = self.driver.next(not_before_ns)
        if ctx is None:
            return None
        spent = self.clock.now() - started
        self._process_s.append(spent)
        feed = self.driver.feed
        mel, level = audio_view(ctx)
        latest = ctx.tick.latest_video
        hud = self._hud.update(ctx)
        tick_s = feed.tick_ns / NS_PER_S
        sync = feed.sync.stats
        health = Health(
            camera_fps=camera_fps(ctx),
            ticks_dropped=feed.dropped,
            read_ahead=feed.read_ahead,
            real_time_factor=(sum(self._process_s) / len(self._process_s)) / tick_s,
            process_ms=spent * 1000,
            late_frames=sync.late_frames,
            seq_gaps=sum(sync.seq_gaps.values()),
            audio_coverage=ctx.tick.audio_coverage,
        )
        first = feed.first_ns or 0
        return SimFrame(
            ctx=ctx,
            index=feed.index_of(ctx.t_ns),
            stream_s=(ctx.t_ns - first) / NS_PER_S,
            duration_s=feed.duration_s,
            image=None if latest is None else latest.image,
            mel_db=mel,
            level_db=level,
            hud=hud,
            last_prompt=self._hud.last,
            health=health,
            names=dict(self.names),
        )

    # -- controls ------------------------------------------------------------------------------

    def pause(self) -> None:
        self.playing = False
        self.status = "paused"
        self._poke()
        self.on_state()

    def resume(self) -> None:
        if self.ended:
            return
        self.playing = True
        self.status = ""
        self._reanchor()
        self._poke()
        self.on_state()

    def toggle(self) -> None:
        self.pause() if self.playing else self.resume()

    async def step(self) -> SimFrame | None:
        """Exactly one tick, then stay paused."""
        if self.playing:
            self.pause()
        if self.ended:
            return None
        frame = await self._advance(None, paced=False)
        self.status = f"stepped to tick {frame.index}" if frame is not None else self.status
        self.on_state()
        return frame

    def set_speed(self, speed: float) -> None:
        self.speed = speed
        self._reanchor()
        self._poke()
        self.on_state()

    def faster(self, direction: int) -> None:
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - self.speed))
        self.set_speed(SPEEDS[max(0, min(len(SPEEDS) - 1, i + direction))])

    async def seek(self, delta_s: float) -> None:
        """Jump `delta_s` seconds (either way) in a replay, and show the tick there."""
        if not self.driver.seekable or self.frame is None:
            self.status = "this source cannot seek"
            self.on_state()
            return
        target = self.frame.t_ns + int(delta_s * NS_PER_S)
        async with self._lock:
            await self._in_worker(self.driver.seek, target)
            self._hud.reset()
        self.ended = False
        frame = await self._advance(None, paced=False)
        self.status = f"seeked to {frame.stream_s:.1f} s" if frame is not None else self.status
        self._reanchor()
        self._poke()
        self.on_state()

    async def _act(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Run a driver action in the worker; a refusal (GlassesAgentError) becomes the status line."""
        async with self._lock:
            try:
                await self._in_worker(fn, *args)
            except GlassesAgentError as err:
                self.status = str(err)
                self.on_state()
                return False
        return True

    async def feedback(self, verdict: str) -> str | None:
        """Tell the critic whether the newest prompt helped; returns its id (None: no prompt yet)."""
        prompt = self.frame.last_prompt if self.frame is not None else None
        if prompt is None:
            self.status = "no prompt yet to give feedback on"
        else:
            if not await self._act(self.driver.feedback, prompt.id, verdict):
                return None
            self.status = f"{verdict}: {prompt.text}"
        self.on_state()
        return None if prompt is None else prompt.id

    async def enroll(self, name: str, entity: Entity) -> bool:
        assert self.frame is not None
        if not await self._act(self.driver.enroll, name, self.frame.ctx, entity):
            return False
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

    def current_context(self) -> TickContext | None:
        return None if self.frame is None else self.frame.ctx
