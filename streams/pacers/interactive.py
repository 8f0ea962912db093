"""The interactive pacer: ticks on a wall clock that a person drives (pause, step, seek, speed).

The simulator's pacer. It runs one thread, which owns whatever produces ticks (the tick core and
the agent's stages behind a `produce` callback) and runs every command on it, one at a time, so
nothing of the agent runs on the caller's (UI) thread and nothing races a tick.
- Playing: tick k is due at wall time `anchor_wall + (t_k - anchor_stream) / speed`. When the
  producer falls more than a tick behind, it is asked for the newest due tick (`not_before_ns`),
  and skips the older ones (the tick core counts them), so what is shown stays within a tick or
  two of real time instead of drifting.
- Paused: nothing advances; a step is a command that produces exactly one tick. Resuming
  re-anchors the clock at the current tick, so a pause is not "caught up" afterwards.
- Seeking is a command too (the tick core re-opens its source); the caller re-anchors after it.
The wall clock is injected (streams.clock.MonotonicClock for people, ManualClock in tests).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol

from streams.clock import ManualClock, MonotonicClock
from streams.frames import NS_PER_S

NO_TICK_YET = object()  # `produce` found no new tick yet (a live stream), which is not its end


class TickTiming(Protocol):
    """What the pacer reads of the tick source: the grid step and the next tick's time."""

    tick_ns: int

    @property
    def next_tick_ns(self) -> int | None: ...


class InteractivePacer:
    """Calls `produce(not_before_ns)` when the next tick is due and hands what it made to
    `on_tick`; `None` from `produce` is the end of the stream (`on_end`), `NO_TICK_YET` means
    "ask again". Every method but `start`/`stop`/`call` is for the caller's thread."""

    def __init__(
        self,
        produce: Callable[[int | None], Any],
        timing: TickTiming,
        *,
        on_tick: Callable[[Any], None],
        on_end: Callable[[], None],
        on_error: Callable[[BaseException], None],
        on_start: Callable[[], None] = lambda: None,
        on_close: Callable[[], None] = lambda: None,
        clock: MonotonicClock | ManualClock | None = None,
        speed: float = 1.0,
        playing: bool = True,
    ) -> None:
        self.produce = produce
        self.timing = timing
        self.on_tick, self.on_end, self.on_error = on_tick, on_end, on_error
        self.on_start, self.on_close = on_start, on_close
        self.clock = clock or MonotonicClock()
        self.speed = speed
        self.playing = playing
        self.ended = False
        self.cv = threading.Condition()  # guards the state above and the command queue
        self.idle = threading.Event()  # set while the thread waits (on its clock, a pause or the end)
        self._commands: deque[tuple[Callable[..., Any], tuple, Future]] = deque()
        self._closing = False
        self._anchor: tuple[float, int] | None = None  # (wall s, stream ns)
        self._thread: threading.Thread | None = None
        self.clock.listen(self.poke)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._pace, name="tick-pacer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the thread (blocking until it has closed the producer through `on_close`)."""
        with self.cv:
            self._closing = True
            self.cv.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    @property
    def closing(self) -> bool:
        return self._closing

    def poke(self) -> None:
        """Something changed (a clock moved, a state was set): the thread looks again."""
        with self.cv:
            self.idle.clear()
            self.cv.notify_all()

    # -- time ----------------------------------------------------------------------------------

    def anchor(self, t_ns: int | None) -> None:
        """Make stream time `t_ns` (the tick shown now) this instant of the wall clock."""
        with self.cv:
            self._anchor = None if t_ns is None else (self.clock.now(), t_ns)

    def due_wall(self, t_ns: int) -> float | None:
        """Wall time at which stream time `t_ns` is due (None before the first tick)."""
        if self._anchor is None:
            return None
        wall, stream = self._anchor
        return wall + (t_ns - stream) / NS_PER_S / self.speed

    def age_s(self, t_ns: int) -> float:
        """How late a tick is shown against its due time (0 before the clock is anchored)."""
        due = self.due_wall(t_ns)
        return 0.0 if due is None else max(0.0, self.clock.now() - due)

    def stream_now(self) -> int | None:
        if self._anchor is None:
            return None
        wall, stream = self._anchor
        return stream + int((self.clock.now() - wall) * self.speed * NS_PER_S)

    # -- controls ------------------------------------------------------------------------------

    def set_state(self, *, playing: bool | None = None, ended: bool | None = None, speed: float | None = None,
                  anchor_ns: int | None | bool = False) -> None:
        """Change play state, end flag or speed (re-anchoring at `anchor_ns` when given), atomically."""
        with self.cv:
            if anchor_ns is not False:
                self._anchor = None if anchor_ns is None else (self.clock.now(), int(anchor_ns))
            if playing is not None:
                self.playing = playing
            if ended is not None:
                self.ended = ended
            if speed is not None:
                self.speed = speed
            self.idle.clear()
            self.cv.notify_all()

    def call(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run `fn(*args)` on the pacer's thread (the producer's only thread); its result or
        exception arrives in the returned future."""
        future: Future = Future()
        with self.cv:
            self._commands.append((fn, args, future))
            self.idle.clear()
            self.cv.notify_all()
        return future

    # -- the thread ----------------------------------------------------------------------------

    def _next_job(self) -> tuple[Callable[..., Any], tuple, Future | None] | None:
        """Under the lock: wait until there is a command to run or a tick due; None to quit."""
        while not self._closing:
            if self._commands:
                return self._commands.popleft()
            if self.playing and not self.ended:
                due_ns = self.timing.next_tick_ns
                due_wall = None if due_ns is None else self.due_wall(due_ns)
                if due_wall is None:
                    return self._advance, (), None
                wait_s = due_wall - self.clock.now()
                if wait_s <= 0:
                    return self._advance, (), None
                self.idle.set()
                self.clock.wait(self.cv, wait_s)
            else:
                self.idle.set()
                self.cv.wait()
        return None

    def _pace(self) -> None:
        try:
            self.on_start()
            while True:
                with self.cv:
                    job = self._next_job()
                    if job is None:
                        return
                    self.idle.clear()
                fn, args, future = job
                try:
                    result = fn(*args)
                except BaseException as err:  # noqa: BLE001 - reported to the caller or on_error
                    if future is None:
                        with self.cv:
                            self.playing = False
                        self.on_error(err)
                    else:
                        future.set_exception(err)
                    continue
                if future is not None:
                    future.set_result(result)
        finally:
            try:
                self.on_close()
            finally:
                self.idle.set()

    def _advance(self) -> None:
        stream_now = self.stream_now()
        # Behind by more than a tick: skip to the newest due ticks (latest-wins). A tick may be up
        # to one tick late (drawing holds the interpreter now and then) and still be produced.
        not_before = None if stream_now is None else stream_now - self.timing.tick_ns
        item = self.produce(not_before)
        if item is NO_TICK_YET:
            return  # live: no new tick within the producer's wait; look at commands, then ask again
        if item is None:
            with self.cv:
                self.ended, self.playing = True, False
            self.on_end()
            return
        if self._anchor is None:
            self.anchor(item.t_ns)
        self.on_tick(item)
