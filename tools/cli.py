"""The `glasses-agent` command line: the parser, built from the command families in tools/commands/.

Each family is a module tools/commands/<family>.py with `register(subparsers)`, which adds its
commands and sets `handler=` on each; what several families share is tools/commands/common.py.
To add a command, add it to a family (or a new family listed in COMMAND_FAMILIES). Families
import their heavy parts (torch, the agent, OpenCV) inside the handlers, so `--help` stays fast.
Bad input (a missing file, a corrupt recording, an unknown device, a bad flag) gets one line on
stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tools.arg_checks import harden
from tools.commands import bench, bridge, evals, memory, pairs, run, scenarios, sim, streams, train
from tools.commands.common import EXIT_USAGE, CliParser, run_handler

# In the order `glasses-agent --help` lists their commands.
COMMAND_FAMILIES = (streams, bench, memory, train, evals, sim, run, scenarios, bridge, pairs)


def build_parser() -> argparse.ArgumentParser:
    """The whole CLI: every family's commands under one parser."""
    parser = CliParser(
        prog="glasses-agent",
        description="A perception agent for smart glasses: record, replay and inspect sensor streams.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=CliParser)
    for family in COMMAND_FAMILIES:
        family.register(sub)
    return harden(parser)  # every flag gets a checked type: no nan, inf, '' or unbounded rates


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` (default: sys.argv), run the command, return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.error(f"unknown command {args.command!r}")
        return EXIT_USAGE
    return run_handler(args)


if __name__ == "__main__":
    sys.exit(main())
