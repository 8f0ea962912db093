"""`glasses-agent run`: the headless agent on a replay, live devices, or a generated demo scene.

    glasses-agent run --demo                               # a generated scene; prints prompts; ends by itself
    glasses-agent run --replay walk.mcap --prompts-out p.jsonl --trace-out t.jsonl
    glasses-agent run --camera 0 --mic default --mode navigate
    glasses-agent run --replay walk.mcap --mqtt mqtt://127.0.0.1:1883   # prompts to a device (the bridge)

Torch and the agent are imported inside the handlers, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tools.commands.common import (
    DEMO_SECONDS,
    add_agent_arguments,
    build_agent,
    demo_source,
    format_summary,
    open_replay,
    positive_float,
    replay_speed,
    run_agent,
)


def register(subparsers: Any) -> None:
    """Add `run` to the CLI."""
    run = subparsers.add_parser("run", help="run the agent headless: replay, live devices or a generated demo")
    src = run.add_mutually_exclusive_group()  # one is required, except with --mqtt (devices bring their streams)
    src.add_argument("--replay", metavar="FILE", help="an MCAP recording or a media file")
    src.add_argument("--camera", metavar="SRC", help="live camera: device index, file or URL (MJPEG over HTTP)")
    src.add_argument("--demo", action="store_true", help="a generated scene with scripted events; ends by itself")
    run.add_argument("--mic", metavar="DEV", help="live microphone (with --camera)")
    run.add_argument("--mqtt", metavar="URL", help="send prompts to a device over MQTT (through the bridge)")
    run.add_argument("--device-id", default="default", help="the device's id (default 'default')")
    run.add_argument("--speed", type=replay_speed, default=None, metavar="max|X",
                     help="replay/demo speed: 'max' (default, virtual clock, deterministic) or X times real time")
    run.add_argument("--duration", type=positive_float, metavar="S", help="stop after S seconds (live runs)")
    run.add_argument("--tick-hz", type=positive_float, default=10.0, help="ticks per second (default 10)")
    run.add_argument("--prompts-out", metavar="F.jsonl", help="write each prompt as a JSON line")
    run.add_argument("--trace-out", metavar="T.jsonl", help="write one trace record per tick")
    run.add_argument("--record-out", metavar="F.mcap",
                     help="write the streams (with /truth) plus the agent's prompts, traces and view into MCAP (Foxglove)")
    run.add_argument("--seed", type=int, default=3, help="scene seed for --demo (default 3)")
    add_agent_arguments(run)
    run.set_defaults(handler=cmd_run)


def print_prompt(prompt: Any) -> None:
    """One prompt as a line: stream time, kind, text."""
    print(f"{prompt.t_ns / 1e9:8.2f}s  {prompt.kind:<12} {prompt.text}", flush=True)


def cmd_run(args: argparse.Namespace) -> int:
    """`glasses-agent run`: the agent on the demo, a replay or live devices (or serving devices with --mqtt)."""
    if args.mqtt:
        from tools.commands.bridge import serve

        return serve(args)
    if not (args.demo or args.replay or args.camera):
        from glasses_agent.errors import GlassesAgentError

        raise GlassesAgentError("say what to run on: --demo, --replay FILE, --camera SRC [--mic DEV], or --mqtt URL")
    if args.mic and not args.camera:
        from glasses_agent.errors import GlassesAgentError

        raise GlassesAgentError("--mic goes with --camera")
    live = None
    source = None
    if args.demo:
        print(f"glasses-agent demo: a generated {DEMO_SECONDS:g} s walk (seed {args.seed}) with scripted events;"
              " prompts as they come:", flush=True)
        source = demo_source(args.seed)
    elif args.replay:
        source = open_replay(args.replay, include_truth=bool(args.record_out))
    else:
        from streams.sources.camera import CameraSource

        live = [CameraSource(args.camera)]
        if args.mic is not None:
            from streams.sources.microphone import MicrophoneSource

            live.append(MicrophoneSource(args.mic))
    memory_default = None
    tmp = None
    if args.demo and not args.memory:
        import tempfile

        tmp = tempfile.TemporaryDirectory(prefix="glasses-agent-demo-")
        memory_default = str(Path(tmp.name) / "memory.sqlite3")  # a demo never touches the wearer's memory
    agent = build_agent(args, memory_default=memory_default)
    try:
        for note in agent.notes:
            print(f"note: {note}", file=sys.stderr)
        summary, outputs = run_agent(
            source, agent, speed=args.speed if not live else (args.speed or 1.0), tick_hz=args.tick_hz,
            prompts_out=args.prompts_out, trace_out=args.trace_out, record_out=args.record_out,
            on_prompt=print_prompt, live=live, duration_s=args.duration,
        )
    finally:
        agent.close()
        if tmp is not None:
            tmp.cleanup()
    print(f"{outputs.prompts_written} prompts; mode at the end: {agent.mode}")
    print(format_summary(summary))
    for path, what in ((args.prompts_out, "prompts"), (args.trace_out, "trace"), (args.record_out, "recording")):
        if path:
            print(f"{what:<10} {path}")
    return 0


