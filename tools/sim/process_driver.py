"""The agent and its pacer in a process of their own, behind the `Driver` interface.

Drawing the panes is Python work that holds the interpreter's one lock, and so is the agent's
tick between its torch calls. In one process they take turns, and on a busy two-core machine a
UI thread that the OS has put aside while it holds the lock keeps the agent waiting with it: the
agent falls behind although a core is free. So the agent's process runs the tick core, the
agent's stages and the interactive pacer (streams.pacers.InteractivePacer, on the wall clock),
and pushes each tick's context to the UI's process, which only turns it into a picture.

- `ProcessDriver` starts the child (spawn: never fork a process with torch threads), which builds
  the real driver from a picklable recipe (`make(*args)`). Driver calls (a step, a seek, feedback,
  enrolling, mode, goal) go over the pipe and run on the child's pacer thread, between ticks.
- `ProcessDriver.make_pacer` gives the controller a `RemotePacer` (remote_pacer.py): the same controls as the
  interactive pacer (play, pause, speed, re-anchor, commands), forwarded to the child's pacer.
With each message the child sends the tick core's figures (`FeedState`); older video frames of a
tick travel without their pixels (only the newest is drawn, and it no larger than a pane shows),
the perception latents stay behind, and the child keeps the full contexts of the last ticks so
enrolling works on what the agent saw.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from itertools import count
from typing import Any

import numpy as np

from glasses_agent.context import Entity, TickContext
from glasses_agent.errors import GlassesAgentError
from streams.clock import MonotonicClock
from streams.frames import EncodedVideoFrame, VideoFrame
from streams.pacers.interactive import NO_TICK_YET, InteractivePacer
from tools.sim.remote_pacer import RemotePacer

KEEP_CONTEXTS = 64  # ticks whose full context the child keeps for enrolling
SENT_SIZE = (320, 240)  # the newest camera frame goes to the UI fitted into this (a pane of 320x120 cells)
NO_TICK = "no tick yet"  # NO_TICK_YET as it crosses the pipe


@dataclass
class SyncFigures:
    """The synchroniser's counts the health pane shows (streams.sync.SyncStats, in part)."""

    late_frames: int = 0
    seq_gaps: dict[str, int] = field(default_factory=dict)


@dataclass
class SyncState:
    """Stands for the child's synchroniser: only its figures cross the pipe."""

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


def _sent_image(frame: VideoFrame) -> VideoFrame:
    """The newest frame as the UI gets it: pixels the agent decoded, shrunk to fit SENT_SIZE (the
    camera pane draws two pixels a cell, so a bigger picture only costs the pipe and the UI's
    resize); a frame whose pixels were never read goes as its JPEG, which is smaller still."""
    if isinstance(frame, EncodedVideoFrame) and not frame.decoded:
        return frame
    image = frame.image
    height, width = image.shape[:2]
    scale = min(SENT_SIZE[0] / max(1, width), SENT_SIZE[1] / max(1, height))
    if image.size == 0 or scale >= 1.0:
        return frame if frame.jpeg is None else VideoFrame(frame.t_ns, frame.seq, frame.source, image)
    import cv2

    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return VideoFrame(frame.t_ns, frame.seq, frame.source, cv2.resize(image, size, interpolation=cv2.INTER_AREA))


def _light(ctx: TickContext) -> TickContext:
    """The context to send: the tick's older video frames without their pixels, the newest one
    no larger than the pane can show, and no perception latents (the panes never read them)."""
    video = ctx.tick.video
    if video:
        empty = np.zeros((0, 0, 3), np.uint8)
        lighter = tuple(VideoFrame(f.t_ns, f.seq, f.source, empty) for f in video[:-1]) + (_sent_image(video[-1]),)
        ctx = replace(ctx, tick=replace(ctx.tick, video=lighter))
    return replace(ctx, percept=None)


def _portable(err: BaseException) -> BaseException:
    """The exception if it pickles as itself, else a RuntimeError that says what it was."""
    import pickle

    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(err).__name__}: {err}\n{''.join(traceback.format_exception(err))}")


# -- the agent's process -------------------------------------------------------------------------


def _serve(conn: Any, make: Callable[..., Any], args: tuple) -> None:
    """The child: build the driver and its pacer (paused), then obey the parent until `close`."""
    try:
        driver = make(*args)
    except BaseException as err:  # noqa: BLE001 - the parent reports it
        conn.send(("error", _portable(err)))
        return
    send_lock = threading.Lock()
    contexts: OrderedDict[int, TickContext] = OrderedDict()
    spent_s: dict[int, float] = {}  # the agent's time for a tick, until the tick is pushed

    def send(*message: Any) -> None:
        with send_lock:
            conn.send(message)

    def compute(not_before_ns: int | None) -> Any:
        started = time.monotonic()
        ctx = driver.next(not_before_ns)
        if not isinstance(ctx, TickContext):
            return NO_TICK_YET if ctx is not None else None
        contexts[ctx.t_ns] = ctx
        while len(contexts) > KEEP_CONTEXTS:
            contexts.popitem(last=False)
        spent_s[ctx.t_ns] = time.monotonic() - started
        while len(spent_s) > KEEP_CONTEXTS:
            spent_s.pop(next(iter(spent_s)))
        return _light(ctx)

    def enroll(name: str, t_ns: int, entity: Entity) -> None:
        ctx = contexts.get(t_ns)
        if ctx is None:
            raise GlassesAgentError("that tick is gone from the agent's recent memory: step, then enroll")
        driver.enroll(name, ctx, entity)

    pacer = InteractivePacer(
        compute, driver.feed, clock=MonotonicClock(), playing=False,
        on_tick=lambda ctx: send("tick", ctx, _feed_state(driver.feed), pacer.due_wall(ctx.t_ns),
                                 spent_s.pop(ctx.t_ns, 0.0)),
        on_end=lambda: send("end", _feed_state(driver.feed)),
        on_error=lambda err: send("failed", _portable(err)),
        on_close=driver.close,
    )
    notes = list(getattr(getattr(driver, "agent", None), "notes", None) or ())
    send("ready", driver.label, driver.seekable, notes, _feed_state(driver.feed))
    pacer.start()
    while True:
        try:
            message = conn.recv()
        except EOFError:
            message = ("close",)
        if message[0] == "close":
            pacer.stop()  # closes the driver on the pacer's thread
            send("closed")
            conn.close()
            return
        if message[0] == "state":
            pacer.set_state(**message[1])
            continue
        _, call_id, method, call_args = message
        fn = {"next": compute, "enroll": enroll}.get(method) or getattr(driver, method)

        def reply(future: Future, call_id: int = call_id) -> None:
            err = future.exception()
            value = None if err is not None else future.result()
            value = NO_TICK if value is NO_TICK_YET else value
            send("result", call_id, err is None, _portable(err) if err else value, _feed_state(driver.feed))

        pacer.call(fn, *call_args).add_done_callback(reply)


# -- the UI's process ----------------------------------------------------------------------------


class ProcessDriver:
    """A `Driver` whose agent runs in a child process (see the module docstring)."""

    def __init__(self, make: Callable[..., Any], *args: Any) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child, make, args), name="sim-agent", daemon=True)
        self._process.start()
        child.close()
        first = self._conn.recv()
        if first[0] == "error":
            self._process.join(timeout=5)
            raise first[1]
        _, self.label, self.seekable, notes, self.feed = first
        self.agent = AgentNotes(notes)
        self._send_lock = threading.Lock()
        self._calls: dict[int, Future] = {}
        self._ids = count()
        self._closed = threading.Event()
        self.pacer: RemotePacer | None = None  # gets the ticks the child's pacer pushes
        self._reader = threading.Thread(target=self._read, name="sim-agent-reader", daemon=True)
        self._reader.start()

    def _send(self, *message: Any) -> None:
        with self._send_lock:
            self._conn.send(message)

    def _read(self) -> None:
        """Results to their callers, pushed ticks to the pacer, in the order the child sent them."""
        while True:
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind == "closed":
                break
            if kind == "result":
                _, call_id, ok, value, feed = message
                vars(self.feed).update(vars(feed))  # in place: the pacer and the panes hold this object
                future = self._calls.pop(call_id)
                future.set_result(value) if ok else future.set_exception(value)
            elif kind == "tick":
                _, ctx, feed, due_wall, spent = message
                vars(self.feed).update(vars(feed))
                if self.pacer is not None:
                    self.pacer.pushed(ctx, due_wall, spent)
            elif kind == "end":
                vars(self.feed).update(vars(message[1]))
                if self.pacer is not None:
                    self.pacer.ended_remotely()
            elif kind == "failed" and self.pacer is not None:
                self.pacer.failed_remotely(message[1])
        self._closed.set()
        for future in self._calls.values():
            if not future.done():
                future.set_exception(GlassesAgentError("the agent's process has ended"))

    def _call(self, method: str, *args: Any) -> Any:
        if self._closed.is_set():
            raise GlassesAgentError("the agent's process has ended")
        future: Future = Future()
        call_id = next(self._ids)
        self._calls[call_id] = future
        self._send("call", call_id, method, args)
        return future.result()

    def next(self, not_before_ns: int | None = None) -> TickContext | None:
        from tools.sim.drivers import NOTHING_YET

        ctx = self._call("next", not_before_ns)
        return NOTHING_YET if isinstance(ctx, str) and ctx == NO_TICK else ctx

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

    def button(self, action: str) -> Any:
        """The child's agent presses it; its ButtonOutcome comes back over the pipe."""
        return self._call("button", action)

    def enrolled(self) -> list[str]:
        return self._call("enrolled")

    def set_pacing(self, **state: Any) -> None:
        """Forward play state, speed or a re-anchoring to the child's pacer."""
        if not self._closed.is_set():
            self._send("state", state)

    def close(self) -> None:
        if not self._closed.is_set():
            try:
                self._send("close")
            except (OSError, BrokenPipeError):
                pass
            self._closed.wait(timeout=15)
        self._process.join(timeout=15)
        if self._process.is_alive():
            self._process.terminate()

    def make_pacer(self, produce: Callable[[int | None], Any], timing: Any, **kwargs: Any) -> RemotePacer:  # noqa: ARG002
        """The pacer the controller runs: the child's, driven from here (see RemotePacer)."""
        self.pacer = RemotePacer(self, **kwargs)
        return self.pacer
