"""The agent in a process of its own, behind the `Driver` interface.

Drawing the panes is Python work that holds the interpreter's one lock; the agent's tick is too
(between its torch calls). In one process the two take turns, and on a busy two-core machine a
drawing UI thread that the OS has put aside keeps the agent waiting for the lock with it: the
agent falls behind although it has a core to run on. In a process of its own the agent has its
own interpreter, and the operating system shares the cores between the two.

`ProcessDriver` starts a child process that builds the real driver from a picklable recipe
(`make(*args)`), and forwards every driver call to it over a pipe, one at a time (the pacer's
thread is the only caller). With each tick the child sends the feed's figures the pacer and the
panes read (`FeedState`); older video frames go without their pixels (only the newest is drawn),
and the child keeps the full contexts of the last ticks so enrolling works on what the agent saw.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from glasses_agent.context import Entity, TickContext
from glasses_agent.errors import GlassesAgentError
from tools.sim.drivers import NOTHING_YET

KEEP_CONTEXTS = 64  # ticks whose full context the child keeps for enrolling


@dataclass
class SyncFigures:
    late_frames: int = 0
    seq_gaps: dict[str, int] = field(default_factory=dict)


@dataclass
class SyncState:
    stats: SyncFigures = field(default_factory=SyncFigures)


@dataclass
class FeedState:
    """The child's tick core as the pacer and the panes read it (streams.ticks.TickStream's figures)."""

    tick_ns: int = 100_000_000
    next_tick_ns: int | None = None
    dropped: int = 0
    read_ahead: int = 0
    first_ns: int | None = None
    duration_s: float | None = None
    sync: SyncState = field(default_factory=SyncState)

    def index_of(self, t_ns: int) -> int:
        return (t_ns - (self.first_ns or 0)) // self.tick_ns - 1


@dataclass
class AgentNotes:
    """What the app reads of the agent directly: the notes of what it runs without."""

    notes: list[str] = field(default_factory=list)


def _feed_state(feed: Any) -> FeedState:
    stats = feed.sync.stats
    return FeedState(
        tick_ns=feed.tick_ns, next_tick_ns=feed.next_tick_ns, dropped=feed.dropped, read_ahead=feed.read_ahead,
        first_ns=feed.first_ns, duration_s=feed.duration_s,
        sync=SyncState(SyncFigures(late_frames=stats.late_frames, seq_gaps=dict(stats.seq_gaps))),
    )


def _light(ctx: TickContext) -> TickContext:
    """The context to send: the tick's older video frames without their pixels."""
    video = ctx.tick.video
    if len(video) > 1:
        empty = np.zeros((0, 0, 3), np.uint8)
        lighter = tuple(replace(f, image=empty) for f in video[:-1]) + (video[-1],)
        ctx = replace(ctx, tick=replace(ctx.tick, video=lighter))
    return ctx


_NONE_AHEAD = object()  # no tick computed ahead


def _serve(conn: Any, make: Callable[..., Any], args: tuple) -> None:
    """The child: build the driver, then answer calls until `close`.

    After answering `next` it computes the following tick at once, while the UI draws and waits
    for that tick's due time, so the agent's time overlaps the UI's instead of adding to it. The
    tick computed ahead is always handed over (the agent saw it: its prompts and verdicts must
    reach the panes); when the UI asked for a later time (it fell behind), the tick after it skips
    on to that time, counted as the driver always counts skips. A seek drops what was computed
    ahead; a feedback, mode or goal takes effect from the tick after the next.
    """
    try:
        driver = make(*args)
    except BaseException as err:  # noqa: BLE001 - the parent reports it
        conn.send(("error", _portable(err)))
        return
    contexts: OrderedDict[int, TickContext] = OrderedDict()
    ahead: Any = _NONE_AHEAD

    def compute(not_before_ns: int | None) -> Any:
        ctx = driver.next(not_before_ns)
        if isinstance(ctx, TickContext):
            contexts[ctx.t_ns] = ctx
            while len(contexts) > KEEP_CONTEXTS:
                contexts.popitem(last=False)
            return _light(ctx)
        return ctx if ctx is None else "no tick yet"

    notes = list(getattr(getattr(driver, "agent", None), "notes", None) or ())
    conn.send(("ok", (driver.label, driver.seekable, notes, _feed_state(driver.feed))))
    while True:
        try:
            method, call_args = conn.recv()
        except EOFError:
            method, call_args = "close", ()
        try:
            if method == "next":
                (not_before_ns,) = call_args
                kept, ahead = ahead, _NONE_AHEAD
                if isinstance(kept, BaseException):
                    raise kept
                result: Any = compute(not_before_ns) if kept is _NONE_AHEAD else kept
            elif method == "enroll":
                name, t_ns, entity = call_args
                ctx = contexts.get(t_ns)
                if ctx is None:
                    raise GlassesAgentError("that tick is gone from the agent's recent memory: step, then enroll")
                result = driver.enroll(name, ctx, entity)
            else:
                if method == "seek":
                    ahead = _NONE_AHEAD
                result = getattr(driver, method)(*call_args)
            conn.send(("ok", (result, _feed_state(driver.feed))))
        except BaseException as err:  # noqa: BLE001 - raised again in the parent
            conn.send(("error", _portable(err)))
            result = None
        if method == "close":
            conn.close()
            return
        if method == "next" and isinstance(result, TickContext) and ahead is _NONE_AHEAD:
            try:
                ahead = compute(not_before_ns)  # behind: the tick after skips to where the UI asked
            except BaseException as err:  # noqa: BLE001 - raised when that tick is asked for
                ahead = err


def _portable(err: BaseException) -> BaseException:
    """The exception if it pickles as itself, else a RuntimeError that says what it was."""
    import pickle

    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(err).__name__}: {err}\n{''.join(traceback.format_exception(err))}")


class ProcessDriver:
    """A `Driver` whose agent runs in a child process (see the module docstring)."""

    def __init__(self, make: Callable[..., Any], *args: Any) -> None:
        ctx = multiprocessing.get_context("spawn")  # never fork a process that has torch threads
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child, make, args), name="sim-agent", daemon=True)
        self._process.start()
        child.close()
        status, payload = self._conn.recv()
        if status == "error":
            self._process.join(timeout=5)
            raise payload
        self.label, self.seekable, notes, self.feed = payload
        self.agent = AgentNotes(notes)
        self._closed = False

    def _call(self, method: str, *args: Any) -> Any:
        self._conn.send((method, args))
        status, payload = self._conn.recv()
        if status == "error":
            raise payload
        result, feed = payload
        vars(self.feed).update(vars(feed))  # in place: the pacer holds this object
        return NOTHING_YET if isinstance(result, str) and result == "no tick yet" else result

    def next(self, not_before_ns: int | None = None) -> TickContext | None:
        return self._call("next", not_before_ns)

    def seek(self, t_ns: int) -> None:
        self._call("seek", t_ns)

    def feedback(self, prompt_id: str, verdict: str) -> None:
        self._call("feedback", prompt_id, verdict)

    def enroll(self, name: str, ctx: TickContext, entity: Entity) -> None:
        self._call("enroll", name, ctx.t_ns, entity)

    def set_mode(self, mode: str) -> None:
        self._call("set_mode", mode)

    def set_goal(self, name: str | None) -> None:
        self._call("set_goal", name)

    def enrolled(self) -> list[str]:
        return self._call("enrolled")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._call("close")
        except (EOFError, OSError, BrokenPipeError):
            pass
        self._process.join(timeout=15)
        if self._process.is_alive():
            self._process.terminate()
