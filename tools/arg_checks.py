"""One pass over the finished argparse tree that gives every flag a checked type.

argparse's bare `float` takes nan, inf and 1e309; `int` takes -1 for a seed or a port; a string
flag takes '' (which then reads as the current folder). Each command declaring the right type
for every flag is easy to forget on the next flag, so `harden(parser)` walks every subcommand
once, after all of them are registered, and:

- a flag the table below names gets that type (tick rates have a ceiling, seeds and ports a
  range, times into a recording must be at least 0);
- any other bare `float` flag must be finite, any bare `int` flag at least 0;
- an untyped (string) flag must not be empty.

A flag that declares its own checked type (tools.commands.common) keeps it, except where the
table names its destination: a table entry is the rule for that kind of value, everywhere.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterator
from typing import Any

from tools.commands.common import positive_float, positive_int

# Ticks finer than the fastest sensor (the IMU, sampled at 200 Hz) see nothing new; and a tick
# rate without a ceiling turns a 10 s replay at 1e9 Hz into 10^10 ticks that never finish.
MAX_TICK_HZ = 200.0


def tick_rate(text: str) -> float:
    """Ticks per second: a number above 0 and at most MAX_TICK_HZ."""
    value = positive_float(text)
    if value > MAX_TICK_HZ:
        raise argparse.ArgumentTypeError(
            f"at most {MAX_TICK_HZ:g} ticks per second (the fastest sensor, the IMU, samples at {MAX_TICK_HZ:g} Hz;"
            f" faster ticks see nothing new and only make the run longer), got {text!r}")
    return value


def finite_float(text: str) -> float:
    """Any finite number (negative allowed): not nan, not inf."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number of at least 0 (a time into a recording, a weight)."""
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of at least 0, got {text!r}")
    return value


def fraction(text: str) -> float:
    """A number from 0 to 1."""
    value = finite_float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}")
    return value


def seed(text: str) -> int:
    """A random seed: a whole number from 0 to 2**32 - 1 (what numpy's generators take)."""
    stripped = text.strip()
    if not (stripped.isascii() and stripped.isdigit()) or int(stripped) >= 2**32:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to {2**32 - 1}, got {text!r}")
    return int(stripped)


def port(text: str) -> int:
    """A TCP port: 1 to 65535."""
    stripped = text.strip()
    if not (stripped.isascii() and stripped.isdigit()) or not 1 <= int(stripped) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 1 to 65535, got {text!r}")
    return int(stripped)


# By argparse `dest`: what every flag of that name means, whichever command it is on.
BY_DEST: dict[str, Callable[[str], Any]] = {
    "tick_hz": tick_rate,
    "seed": seed,
    "first_seed": seed,
    "port": port,
    "repeat": positive_int,
    "at": non_negative_float,  # seconds into a recording
    "start": non_negative_float,
    "end": non_negative_float,
    "lr": positive_float,
    "sigreg_lambda": non_negative_float,
    "holdout": fraction,
    "clock_skew": finite_float,  # a device clock may run behind (negative) or ahead
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
                action.type = finite_float
            elif action.type is int:
                action.type = non_negative_int
            elif action.type is None and not action.choices and action.default != "":
                action.type = non_empty  # (argparse also runs a string default through the type)
    return parser
