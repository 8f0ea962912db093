"""`glasses-agent sim`: the Textual terminal simulator (code in tools/sim/)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tools.commands.common import DEMO_SECONDS, add_agent_arguments, positive_float, sim_speed


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `sim` to the CLI."""
    sim = subparsers.add_parser(
        "sim", help="the terminal simulator: watch and drive the agent on a replay, the demo scene or live devices",
        description="Shows what the glasses see and hear, what the world model believes, what the critic let "
        "through and why; pause, step, seek, give feedback, enroll. Press ? inside for every key.",
    )
    source = sim.add_mutually_exclusive_group(required=True)
    source.add_argument("--replay", metavar="FILE", help="an MCAP recording (or a media file) to replay")
    source.add_argument("--demo", action="store_true", help="a generated scene; needs no input")
    source.add_argument("--camera", metavar="SRC", help="live camera: device index, file or URL (with --mic)")
    source.add_argument("--mqtt", metavar="URL", help="watch a device served by the MQTT bridge (with --device)")
    sim.add_argument("--mic", metavar="DEV", help="live microphone: device name or index (with --camera)")
    sim.add_argument("--device", metavar="ID", help="device id (with --mqtt)")
    sim.add_argument("--ca", metavar="CA.crt", help="with --mqtt: the broker's CA certificate (or ?ca= in the URL)")
    sim.add_argument("--allow-plaintext", action="store_true", help="with --mqtt: allow mqtt:// to a non-loopback broker")
    sim.add_argument("--trace", metavar="T.jsonl", help="with --replay: show this recorded trace instead of running the agent")
    sim.add_argument("--speed", type=sim_speed, default=1.0, metavar="X", help="times real time (default 1)")
    sim.add_argument("--seed", type=int, default=3, help="scene seed for --demo (default 3, as `run --demo`)")
    sim.add_argument("--duration", type=positive_float, metavar="S", help=f"length of the --demo scene in seconds (default {DEMO_SECONDS:g}, as `run --demo`)")
    sim.add_argument("--paused", action="store_true", help="start paused (step with n)")
    sim.add_argument("--screenshot", metavar="FILE.svg", help="no window: step to --at seconds, save a screenshot, exit")
    sim.add_argument("--at", type=float, default=8.0, metavar="S", help="stream time for --screenshot (default 8)")
    add_agent_arguments(sim)  # --mode, --memory, --wearer, checkpoints: the same as `run`
    sim.set_defaults(handler=cmd_sim)


def cmd_sim(args: argparse.Namespace) -> int:
    """Open the simulator on the chosen source (or, with --screenshot, save one frame of it and exit)."""
    from tools.sim.session import build_driver, run_app, take_screenshot

    driver = build_driver(args)
    if args.screenshot:
        saved = take_screenshot(driver, Path(args.screenshot), at_s=args.at)
        print(f"wrote {saved}")
        return 0
    run_app(driver, speed=args.speed, playing=not args.paused)
    return 0
