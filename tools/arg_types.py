"""argparse value types shared by the CLI's commands: a bad value is one line naming what was expected."""

from __future__ import annotations

import argparse
import math


def positive_int(text: str) -> int:
    """A whole number of at least 1 ("3", not "3.0" or "-1")."""
    stripped = text.strip()
    if not stripped.isdigit() or int(stripped) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(stripped)


def _finite_above_zero(text: str, not_a_number: str, not_positive: str) -> float:
    """float(text) when it is finite and above 0; else the given message, with the text quoted."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{not_a_number}, got {text!r}") from None
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"{not_positive}, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0."""
    return _finite_above_zero(text, "expected a number", "expected a positive number")


def replay_speed(text: str) -> float | None:
    """`max` (virtual clock, lock-step: None) or a positive factor of real time."""
    if text == "max":
        return None
    return _finite_above_zero(text, "speed must be 'max' or a number", "speed must be positive")


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
