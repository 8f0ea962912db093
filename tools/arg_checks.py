"""One pass over the finished argparse tree that gives every flag a checked type.

argparse's bare `float` takes nan, inf and 1e309; `int` takes -1 for a seed or a port; a string
flag takes '' (which then reads as the current folder). Each command declaring the right type
for every flag is easy to forget on the next flag, so `harden(parser)` walks every subcommand
once, after all of them are registered, and:

- a flag the table below names gets that type (tick rates have a ceiling, seeds and ports a
  range, times into a recording must be at least 0);
- any other bare `float` flag must be finite, any bare `int` flag at least 0;
- an untyped (string) flag must not be empty.

A flag that declares its own checked type (tools.arg_types) keeps it, except where the table
names its destination: a table entry is the rule for that kind of value, everywhere.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from typing import Any

from tools import arg_types

# By argparse `dest`: what every flag of that name means, whichever command it is on.
BY_DEST: dict[str, Callable[[str], Any]] = {
    "tick_hz": arg_types.tick_rate,
    "seed": arg_types.seed,
    "first_seed": arg_types.seed,
    "port": arg_types.port,
    "repeat": arg_types.positive_int,
    "at": arg_types.non_negative_float,  # seconds into a recording
    "start": arg_types.non_negative_float,
    "end": arg_types.non_negative_float,
    "lr": arg_types.positive_float,
    "sigreg_lambda": arg_types.non_negative_float,
    "holdout": arg_types.fraction,
    "clock_skew": arg_types.finite_float,  # a device clock may run behind (negative) or ahead
}


def non_empty(text: str) -> str:
    """Any text but ''; an empty name or path is a slip (an unset shell variable), not a choice."""
    if text == "":
        raise argparse.ArgumentTypeError("expected a value, got ''")
    return text


def non_negative_int(text: str) -> int:
    stripped = text.strip()
    if not (stripped.isascii() and stripped.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, got {text!r}")
    return int(stripped)


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _parsers(child)


def harden(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Give every value-taking flag of `parser` and its subcommands a checked type (see above)."""
    for p in _parsers(parser):
        for action in p._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction, argparse._VersionAction)):
                continue
            if action.nargs == 0:
                continue  # a switch takes no value
            if action.dest in BY_DEST:
                action.type = BY_DEST[action.dest]
            elif action.type is float:
                action.type = arg_types.finite_float
            elif action.type is int:
                action.type = non_negative_int
            elif action.type is None and not action.choices and action.default != "":
                action.type = non_empty  # (argparse also runs a string default through the type)
    return parser
