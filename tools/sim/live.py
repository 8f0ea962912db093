"""Live sessions: live devices (`--camera --mic`) or a device served over MQTT (`--mqtt --device`).

Here the world sets the pace, not the simulator: a real pipeline (`streams.pacers.RealtimePacer`, or the
firmware bridge serving its devices) runs on its own event loop in a background thread, and a
tap stage at the end of the agent's chain hands each TickContext to the simulator, latest-wins.
Pausing only stops showing: the agent keeps serving the device. Actions (feedback, enrol, mode)
run on the pipeline's loop, as the bridge's own do, so they never race a tick.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from glasses_agent.context import Entity, TickContext
from streams.frames import NS_PER_S
from streams.stages import Stage
from streams.sync import TickSynchronizer
from tools.sim.drivers import NOTHING_YET, SimError, enrolled_names

WAIT_S = 0.1  # how long `next` waits for a tick before letting the controller look at its commands


class TapStage(Stage):
    """The last stage: passes each context to the simulator and on (unchanged)."""

    name = "sim-tap"

    def __init__(self, put: Callable[[TickContext], None]) -> None:
        super().__init__()
        self.put = put

    async def process(self, ctx: Any) -> Any:
        if isinstance(ctx, TickContext):
            self.put(ctx)
        return ctx


class TappedAgent:
    """The agent, with the tap appended to its stages; everything else is the agent's own."""

    def __init__(self, agent: Any, tap: TapStage) -> None:
        self._agent = agent
        self._tap = tap

    def stages(self) -> list[Stage]:
        return list(self._agent.stages()) + [self._tap]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._agent, name)


class LiveFeed:
    """What the controller and the health pane read of a feed, for a stream nobody can seek."""

    duration_s = None
    next_tick_ns = None

    def __init__(self, tick_hz: float) -> None:
        self.tick_ns = int(round(NS_PER_S / tick_hz))
        self.first_ns: int | None = None
        self.read_ahead = 0
        self.sync = TickSynchronizer(tick_hz=tick_hz)  # replaced by the running pipeline's own
        self.ticks_channel: Any = None

    @property
    def dropped(self) -> int:
        return self.ticks_channel.stats.dropped if self.ticks_channel is not None else 0

    def index_of(self, t_ns: int) -> int:
        return (t_ns - (self.first_ns or t_ns)) // self.tick_ns

    @staticmethod
    def age_s(t_ns: int) -> float:
        """Live stamps are on the monotonic clock (streams.clock.RealClock): age is now minus stamp."""
        return max(0.0, time.monotonic_ns() - t_ns) / NS_PER_S


class LiveDriver:
    """A driver over live input (camera and microphone, or a device behind the MQTT bridge): the agent
    runs in real time on its own loop and the simulator shows its ticks; no seeking."""
    seekable = False

    def __init__(self, agent: Any, label: str, run: Callable[[TappedAgent, asyncio.Event, LiveFeed], Awaitable[Any]],
                 *, tick_hz: float = 10.0) -> None:
        self.agent = agent
        self.label = label
        self.feed = LiveFeed(tick_hz)
        self._cv = threading.Condition()
        self._latest: TickContext | None = None
        self._seen = 0
        self._failed: BaseException | None = None
        self._done = False
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self.tapped = TappedAgent(agent, TapStage(self._put))
        self._thread = threading.Thread(target=self._serve, args=(run,), name="sim-live", daemon=True)
        self._thread.start()

    def _serve(self, run: Callable[..., Awaitable[Any]]) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(run(self.tapped, self._stop, self.feed))
        except BaseException as err:  # noqa: BLE001 - shown by the simulator as its error line
            self._failed = err
        finally:
            with self._cv:
                self._done = True
                self._cv.notify_all()

    def _put(self, ctx: TickContext) -> None:
        with self._cv:
            if self._latest is not None:
                self.feed.read_ahead = 1  # superseded before the simulator took it
            self._latest = ctx
            if self.feed.first_ns is None:
                self.feed.first_ns = ctx.t_ns - self.feed.tick_ns
            self._cv.notify_all()

    def next(self, not_before_ns: int | None = None) -> Any:  # noqa: ARG002 - live is always the newest
        with self._cv:
            if self._latest is None and not self._done:
                self._cv.wait(WAIT_S)
            ctx, self._latest = self._latest, None
            self.feed.read_ahead = 0
            if ctx is not None:
                return ctx
            if self._done:
                if self._failed is not None and not isinstance(self._failed, asyncio.CancelledError):
                    raise SimError(f"the live session stopped: {self._failed}")
                return None
            return NOTHING_YET

    def _in_loop(self, fn: Callable[..., Any], *args: Any) -> Any:
        async def call() -> Any:
            return fn(*args)

        if self._done:
            raise SimError("the live session has stopped")
        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout=30)

    def seek(self, t_ns: int) -> None:
        raise SimError("a live stream cannot seek")

    def feedback(self, prompt_id: str, verdict: str) -> None:
        self._in_loop(self.agent.feedback, prompt_id, verdict)

    def enroll(self, name: str, ctx: TickContext, entity: Entity) -> None:
        self._in_loop(self.agent.enroll, name, ctx, entity.box)

    def set_mode(self, mode: str) -> None:
        self._in_loop(self.agent.set_mode, mode)

    def set_goal(self, name: str | None) -> None:
        self._in_loop(self.agent.set_goal, name)

    def button(self, action: str) -> Any:
        """The agent's ButtonOutcome (over MQTT the device's own prompt is not re-sent: the sim shows it)."""
        return self._in_loop(self.agent.button, action)

    def enrolled(self) -> list[str]:
        return self._in_loop(enrolled_names, self.agent)

    def close(self) -> None:
        if not self._done:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=15)
        if not self._loop.is_running():
            self._loop.close()


# -- the two live sources ------------------------------------------------------------------------


def camera_driver(args: argparse.Namespace, agent: Any) -> LiveDriver:
    """Live camera (and microphone): the same paced pipeline as `glasses-agent run --camera`."""
    from streams.clock import RealClock
    from streams.pipeline import Pipeline
    from streams.sources.camera import CameraSource
    from streams.sources.microphone import MicrophoneSource

    sources = [CameraSource(args.camera)]
    if args.mic is not None:
        sources.append(MicrophoneSource(args.mic))

    async def run(tapped: TappedAgent, stop: asyncio.Event, feed: LiveFeed) -> None:
        pipeline = Pipeline(tapped.stages(), clock=RealClock(), tick_hz=NS_PER_S / feed.tick_ns)
        feed.sync = pipeline.sync
        tapped._tap.put = _chain(tapped._tap.put, lambda _: setattr(feed, "ticks_channel", pipeline.channels.get("ticks")))
        task = asyncio.ensure_future(pipeline.run_paced(live=sources))
        watcher = asyncio.ensure_future(stop.wait())
        await asyncio.wait([task, watcher], return_when=asyncio.FIRST_COMPLETED)
        pipeline.stop()
        watcher.cancel()
        await task

    label = f"live {args.camera}" + (f" + mic {args.mic}" if args.mic is not None else "")
    return LiveDriver(agent, label, run)


def mqtt_driver(args: argparse.Namespace, make_agent: Callable[[str], Any]) -> LiveDriver:
    """Serve devices over MQTT as `glasses-agent bridge` does, and watch `--device`'s session."""
    from firmware_bridge.bridge import Bridge
    from glasses_agent.memory.database import default_memory_path
    from tools.commands.common import broker_address

    address = broker_address(args)
    home = Path(args.memory).expanduser().parent if args.memory else default_memory_path().parent
    watched = make_agent(args.device)

    async def run(tapped: TappedAgent, stop: asyncio.Event, feed: LiveFeed) -> None:
        def agent_for(device_id: str) -> Any:
            # Every device is served, as by `glasses-agent bridge`; the watched one through the tap.
            return tapped if device_id == args.device else make_agent(device_id)

        bridge = Bridge(address, agent_factory=agent_for, outbox_path=home / "sim-bridge-outbox.sqlite3")

        def attach(ctx: Any) -> None:
            session = bridge.sessions.get(args.device)
            if session is not None and feed.ticks_channel is None:
                feed.sync = session.pipeline.sync
                feed.ticks_channel = session.pipeline.channels.get("ticks")

        tapped._tap.put = _chain(tapped._tap.put, attach)
        await bridge.run(stop)

    return LiveDriver(watched, f"device {args.device} via {address.host}:{address.port}", run)


def _chain(first: Callable[[Any], None], then: Callable[[Any], None]) -> Callable[[Any], None]:
    def both(item: Any) -> None:
        first(item)
        then(item)

    return both
