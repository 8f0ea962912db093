"""From command-line arguments to a running simulator: pick the source, the driver, the app."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from tools.commands.common import build_agent, demo_source, device_agent, open_replay
from tools.sim.drivers import AgentDriver, Driver, SimError, TraceDriver, load_trace
from tools.sim.feed import TickFeed

# `sim --demo` plays a longer scene than `run --demo` (the simulator is for watching).
DEMO_SECONDS = 60.0


def _agent(args: argparse.Namespace) -> Any:
    return build_agent(args)


def build_driver(args: argparse.Namespace) -> Driver:
    """The driver the arguments ask for: an agent (or a recorded trace) over a replay, the demo, live devices or MQTT."""
    if args.mic and not args.camera:
        raise SimError("--mic goes with --camera")
    if args.device and not args.mqtt:
        raise SimError("--device goes with --mqtt")
    if args.trace and not args.replay:
        raise SimError("--trace goes with --replay (the recording the trace was made from)")
    if args.replay:
        feed = TickFeed(open_replay(args.replay))
        label = f"replay {Path(args.replay).name}"
        if args.trace:
            return TraceDriver(feed, load_trace(args.trace), label + " (trace)")
        return AgentDriver(feed, _agent(args), label)
    if args.demo:
        source = demo_source(args.seed, args.duration or DEMO_SECONDS)
        return AgentDriver(TickFeed(source), _agent(args), f"demo (seed {args.seed})")
    if args.camera:
        from tools.sim.live import camera_driver

        return camera_driver(args, _agent(args))
    if not args.device:
        raise SimError("--mqtt needs --device ID: the device to watch")
    from tools.sim.live import mqtt_driver

    return mqtt_driver(args, lambda device_id: device_agent(args, device_id))


def run_app(driver: Driver, *, speed: float, playing: bool) -> None:
    """Run the simulator's app in this terminal until it is closed."""
    from tools.sim.app import SimApp

    SimApp(driver, speed=speed, playing=playing).run()


def take_screenshot(driver: Driver, out: Path, *, at_s: float, size: tuple[int, int] = (160, 50)) -> str:
    """Step to `at_s` seconds of stream headlessly, then save the app's own screenshot."""
    from tools.sim.app import SimApp
    async def shoot() -> str:
        # Paused and stepped, so no tick waits on the clock; the health pane shows real timings.
        app = SimApp(driver, playing=False)
        async with app.run_test(size=size) as pilot:
            while app.controller.frame is None or app.controller.frame.stream_s < at_s:
                if await app.controller.step() is None:
                    break
            app.controller.status = ""
            await pilot.pause()
            saved = app.action_screenshot_svg(str(out))
            app.controller.status = ""
            await pilot.pause()
            return saved

    return asyncio.run(shoot())
