"""The `glasses-agent` command line.

Each subcommand imports its parts when it runs, so `glasses-agent --help` stays fast. Bad input
(a missing file, a corrupt recording, an unknown device, a bad flag) gets one line on stderr and
a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from tools.arg_types import positive_float, positive_int, replay_speed

EXIT_ERROR = 1
EXIT_USAGE = 2

# Command families kept in their own modules, each with `register(subparsers)` that adds its
# parsers and sets `handler=` on them. These modules import only argparse-level things at the top
# (their work is imported inside the handler), so `--help` stays fast.
COMMAND_MODULES = (
    "tools.memory_commands",
    "tools.model_commands",
    "tools.sim_commands",
    "tools.run_commands",
    "tools.scenario_commands",
    "tools.bridge_commands",
    "tools.world_commands",
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (plus where to look), not the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="glasses-agent",
        description="A perception agent for smart glasses: record, replay and inspect sensor streams.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_Parser)

    tour = sub.add_parser("tour", help="generate a short scene, record it, inspect it and replay it")
    tour.add_argument("--seed", type=int, default=0, help="scene seed (default 0)")
    tour.add_argument("--duration", type=positive_float, default=5.0, metavar="S", help="scene length in seconds")
    tour.add_argument("--keep", metavar="FILE.mcap", help="keep the generated recording at this path")

    rec = sub.add_parser("record", help="record live devices, import media, or generate a scene, into MCAP")
    what = rec.add_mutually_exclusive_group(required=True)
    what.add_argument("--camera", metavar="SRC", help="live camera: device index, file or URL (MJPEG over HTTP)")
    what.add_argument("--video", metavar="FILE", help="import a media file (video and its audio track)")
    what.add_argument("--synthetic", metavar="SCENARIO", help="generate a scene: mixed, approach, occlusion, quiet")
    rec.add_argument("--mic", metavar="DEV", help="live microphone: device name or index (with --camera)")
    rec.add_argument("--audio", metavar="FILE", help="audio file to use instead of the video's own track")
    rec.add_argument("--imu", metavar="CSV", help="IMU CSV (t_s,accel_x_mps2,...,gyro_z_rads) to import")
    rec.add_argument("--seed", type=int, default=0, help="seed for --synthetic")
    rec.add_argument("--duration", type=positive_float, metavar="S", help="seconds to record (live, synthetic)")
    rec.add_argument("--out", required=True, metavar="FILE.mcap", help="the recording to write")

    rep = sub.add_parser("replay", help="replay a recording through the pipeline and summarise it")
    rep.add_argument("file", metavar="FILE", help="an MCAP recording (or a media file)")
    rep.add_argument("--speed", type=replay_speed, default=None, metavar="max|X", help="'max' (default, virtual clock) or X times real time")
    rep.add_argument("--trace-out", metavar="T.jsonl", help="write one JSON record per tick")
    rep.add_argument("--tick-hz", type=positive_float, default=10.0, help="ticks per second (default 10)")
    rep.add_argument("--json", action="store_true", help="print the summary as JSON")

    info = sub.add_parser("info", help="list a recording's channels, message counts and time range")
    info.add_argument("file", metavar="FILE.mcap")
    info.add_argument("--json", action="store_true", help="print as JSON")

    dev = sub.add_parser("devices", help="list audio input devices (for --mic)")
    dev.add_argument("--json", action="store_true", help="print as JSON")

    from tools.bench.replay import BENCHMARKS

    bench = sub.add_parser("bench", help="benchmarks that print and write their figures")
    bench.add_argument("what", choices=sorted(BENCHMARKS), help="; ".join(f"{k}: {v[1]}" for k, v in sorted(BENCHMARKS.items())))
    bench.add_argument("--file", metavar="FILE", help="recording or media to replay (default: the gopro clip, else a generated scene)")
    bench.add_argument("--repeat", type=int, default=3, help="runs to take the median of (default 3)")
    bench.add_argument("--out", metavar="FILE.json", help="where to write the figures (default bench-results/WHAT.json)")
    bench.add_argument("--perception", metavar="CKPT",
                       help="bench agent, bench bridge: the perception checkpoint (default the shipped one; 'none': without it)")
    load = bench.add_argument_group("bench bridge")
    load.add_argument("--devices", type=positive_int, metavar="K", help="emulated devices (default 4)")
    load.add_argument("--seconds", type=positive_float, metavar="T", help="length of the main run (default 60)")
    load.add_argument("--ramp", type=_device_counts, metavar="K,K,...",
                      help="device counts tried after the main run while it keeps real time (default 6,8,12,16; '' for none)")
    load.add_argument("--ramp-seconds", type=positive_float, metavar="T", help="length of each ramp run (default 20)")

    import importlib

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def _device_counts(text: str) -> list[int]:
    return [positive_int(k) for k in text.split(",") if k.strip()]


def _one_line_warnings() -> None:
    """Warnings (e.g. a recovered recording) as one readable line, not a source excerpt."""

    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ARG001
        print(f"glasses-agent: warning: {message}", file=sys.stderr)

    warnings.showwarning = show


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _one_line_warnings()
    from glasses_agent.errors import GlassesAgentError
    from streams.errors import StreamError

    try:
        if getattr(args, "handler", None) is not None:
            return args.handler(args)
        if args.command in ("tour", "record", "replay", "info", "devices"):
            from tools import stream_commands

            return getattr(stream_commands, f"cmd_{args.command}")(args)
        if args.command == "bench":
            from tools.bench import replay as bench

            return bench.cmd_bench(args)
    except (StreamError, GlassesAgentError) as err:
        print(f"glasses-agent: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("glasses-agent: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError) as err:
        # Files that vanish, disks that fill, values a library refuses: still one line.
        print(f"glasses-agent: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    parser.error(f"unknown command {args.command!r}")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
