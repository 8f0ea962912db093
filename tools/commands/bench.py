"""`glasses-agent bench WHAT`: benchmarks that print their figures and write them as JSON.

The benchmarks themselves live in tools/bench/ (the simulator's too: tools/bench/sim.py); each
is a function that takes the parsed arguments and returns a JSON-able dict of figures. They are
imported only when one runs, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from tools.commands.common import device_counts, positive_float, positive_int, print_figures, write_results

# name -> ("module:function", what it measures). A new benchmark registers here by one line.
BENCHMARKS: dict[str, tuple[str, str]] = {
    "replay": ("tools.bench.replay:bench_replay_command", "replay throughput at --speed max (no model)"),
    "bridge": ("tools.bench.bridge:bench_bridge", "MQTT bridge under K emulated devices for T s: messages/s, drops, prompt latency, memory, largest K"),
    "agent": ("tools.bench.agent:bench_agent", "the whole agent on the gopro clip at --speed max: real-time factor, stage latency, memory"),
    "encode": ("tools.bench.encode:bench_encode_command", "perception encode latency per tick (--file: a checkpoint)"),
    "sim": ("tools.bench.sim:bench_sim", "the simulator at --speed 1, full agent, beside the agent without the UI: stream/wall, ticks skipped, frame age"),
    "false-alarms": ("tools.bench.false_alarms:bench_false_alarms", "world-model surprise alarms per minute on benign generated scenes and ../shared/data clips"),
}


def register(subparsers: Any) -> None:
    """Add `bench` to the CLI."""
    bench = subparsers.add_parser("bench", help="benchmarks that print and write their figures")
    bench.add_argument("what", choices=sorted(BENCHMARKS), help="; ".join(f"{k}: {v[1]}" for k, v in sorted(BENCHMARKS.items())))
    bench.add_argument("--file", metavar="FILE", help="recording or media to replay (default: the gopro clip, else a generated scene)")
    bench.add_argument("--repeat", type=int, default=3, help="runs to take the median of (default 3)")
    bench.add_argument("--out", metavar="FILE.json", help="where to write the figures (default bench-results/WHAT.json)")
    bench.add_argument("--perception", metavar="CKPT",
                       help="bench agent, bench bridge: the perception checkpoint (default the shipped one; 'none': without it)")
    load = bench.add_argument_group("bench bridge")
    load.add_argument("--devices", type=positive_int, metavar="K", help="emulated devices (default 4)")
    load.add_argument("--seconds", type=positive_float, metavar="T", help="length of the main run (default 60)")
    load.add_argument("--ramp", type=device_counts, metavar="K,K,...",
                      help="device counts tried after the main run while it keeps real time (default 6,8,12,16; '' for none)")
    load.add_argument("--ramp-seconds", type=positive_float, metavar="T", help="length of each ramp run (default 20)")
    bench.set_defaults(handler=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the named benchmark, print its scalar figures and write them all as JSON."""
    module_name, function_name = BENCHMARKS[args.what][0].split(":")
    result = getattr(importlib.import_module(module_name), function_name)(args)
    out = write_results(args.out or f"bench-results/{args.what}.json", result)
    print_figures(result)
    print(f"{'written':<32} {out}")
    return 0
