"""The UI side of a pacer that runs in the agent's process (process_driver.py): the controls of
streams.pacers.InteractivePacer (play, pause, speed, re-anchor, commands) forwarded over the
driver's pipe, and the ticks the child's pacer pushes turned into frames for the UI.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from glasses_agent.context import TickContext


class PacingTarget(Protocol):
    """What the remote pacer drives: the process driver's pacing call."""

    def set_pacing(self, **state: Any) -> None: ...


class RemotePacer:
    """The controls of streams.pacers.InteractivePacer, for a pacer that runs in the agent's process.

    Commands (`call`) run one at a time on a worker thread here (they call the driver, whose calls
    run on the child's pacer thread); ticks the child's pacer pushes become frames through
    `convert` (the controller's, off the UI thread) and go to `on_tick`.
    """

    def __init__(
        self,
        driver: PacingTarget,
        *,
        on_tick: Callable[[Any], None],
        on_end: Callable[[], None],
        on_error: Callable[[BaseException], None],
        convert: Callable[[TickContext, float], Any],
        on_start: Callable[[], None] = lambda: None,
        on_close: Callable[[], None] = lambda: None,
        clock: Any = None,  # noqa: ARG002 - the child's pacer keeps wall time (monotonic, shared)
        speed: float = 1.0,
        playing: bool = True,
    ) -> None:
        self.driver = driver
        self.on_tick, self.on_end, self.on_error, self.convert = on_tick, on_end, on_error, convert
        self.on_start, self.on_close = on_start, on_close
        self.speed, self.playing, self.ended = speed, playing, False
        self.cv = threading.Condition()
        self.idle = threading.Event()
        self.idle.set()
        self._closing = False
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sim-commands")
        self._due: OrderedDict[int, float] = OrderedDict()  # tick time -> wall time it was due

    @property
    def closing(self) -> bool:
        return self._closing

    def start(self) -> None:
        self._worker.submit(self.on_start)
        self.driver.set_pacing(playing=self.playing, speed=self.speed)

    def stop(self) -> None:
        self._closing = True
        self.driver.set_pacing(playing=False)
        self._worker.submit(self.on_close).result()
        self._worker.shutdown(wait=True)

    def set_state(self, *, playing: bool | None = None, ended: bool | None = None, speed: float | None = None,
                  anchor_ns: int | None | bool = False) -> None:
        with self.cv:
            if playing is not None:
                self.playing = playing
            if ended is not None:
                self.ended = ended
            if speed is not None:
                self.speed = speed
        state = {k: v for k, v in (("playing", playing), ("ended", ended), ("speed", speed)) if v is not None}
        if anchor_ns is not False:
            state["anchor_ns"] = anchor_ns
        self.driver.set_pacing(**state)

    def call(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self._worker.submit(fn, *args)

    def age_s(self, t_ns: int) -> float:
        due = self._due.get(t_ns)
        return 0.0 if due is None else max(0.0, time.monotonic() - due)

    # -- from the driver's reader thread --------------------------------------------------------

    def pushed(self, ctx: TickContext, due_wall: float | None, spent: float) -> None:
        if due_wall is not None:
            self._due[ctx.t_ns] = due_wall
            while len(self._due) > 256:
                self._due.popitem(last=False)
        if not self._closing:
            self.on_tick(self.convert(ctx, spent))

    def ended_remotely(self) -> None:
        with self.cv:
            self.ended, self.playing = True, False
        self.on_end()

    def failed_remotely(self, err: BaseException) -> None:
        with self.cv:
            self.playing = False
        self.on_error(err)
