"""From command-line arguments to a running simulator: pick the source, the driver, the app."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

from streams.ticks import TickStream
from tools.commands.common import DEMO_SECONDS, build_agent, demo_source, device_agent, open_replay
from tools.sim.drivers import AgentDriver, Driver, SimError, TraceDriver, load_trace


def _agent(args: argparse.Namespace, memory_default: str | None = None) -> Any:
    return build_agent(args, memory_default=memory_default)


def demo_driver(args: argparse.Namespace) -> AgentDriver:
    """The same demo as `run --demo`: its scene (scenario, seed, length) and an agent built the
    same way, on a memory of its own unless --memory is given (a demo never touches the wearer's),
    so the same prompts come at the same stream times."""
    source = demo_source(args.seed, args.duration or DEMO_SECONDS)
    tmp = None if args.memory else tempfile.TemporaryDirectory(prefix="glasses-agent-sim-demo-")
    agent = _agent(args, None if tmp is None else str(Path(tmp.name) / "memory.sqlite3"))
    return AgentDriver(TickStream(source), agent, f"demo (seed {args.seed})",
                       on_close=None if tmp is None else tmp.cleanup)


def build_driver(args: argparse.Namespace) -> Driver:
    """The driver `sim` runs: the agent over a replay or the demo runs in a process of its own
    (tools.sim.process_driver: drawing never holds the agent up); a trace or a live source in this one."""
    from tools.sim.process_driver import ProcessDriver

    check_arguments(args)
    if (args.replay and not args.trace) or args.demo:
        return ProcessDriver(local_driver, args)
    return local_driver(args)


def check_arguments(args: argparse.Namespace) -> None:
    """Flags that go together, refused in one line before anything starts."""
    if args.mic and not args.camera:
        raise SimError("--mic goes with --camera")
    if args.device and not args.mqtt:
        raise SimError("--device goes with --mqtt")
    if args.trace and not args.replay:
        raise SimError("--trace goes with --replay (the recording the trace was made from)")


def local_driver(args: argparse.Namespace) -> Driver:
    """The driver for `args`, in this process."""
    check_arguments(args)
    if args.replay:
        feed = TickStream(open_replay(args.replay))
        label = f"replay {Path(args.replay).name}"
        if args.trace:
            return TraceDriver(feed, load_trace(args.trace), label + " (trace)")
        return AgentDriver(feed, _agent(args), label)
    if args.demo:
        return demo_driver(args)
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
