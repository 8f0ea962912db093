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
