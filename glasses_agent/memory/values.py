"""The checks every value passes before the memory store writes it: one-line errors, nothing half-stored."""

from __future__ import annotations

import json
import math
from typing import Any

from glasses_agent.memory.errors import InvalidValueError


def json_text(value: Any, what: str) -> str:
    """`value` as canonical JSON text (sorted keys, no spaces); InvalidValueError if it is not JSON."""
    try:
        # allow_nan=False: NaN is not JSON, and a NaN parameter means a diverged critic.
        return json.dumps(value, sort_keys=True, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as err:
        raise InvalidValueError(f"{what} must be JSON-serialisable: {err}") from None


def unit_value(value: Any, what: str) -> float:
    """A coordinate normalised to the view, 0..1 (a little outside is clipped to it)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InvalidValueError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(v) or not -0.05 <= v <= 1.05:
        raise InvalidValueError(f"{what} must be normalised to 0..1, got {value!r}")
    return min(1.0, max(0.0, v))  # a box a little outside the view is clipped to it


def nonempty_name(value: Any, what: str = "name") -> str:
    """A name, label or key: a string with something in it."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(f"{what} must be a non-empty string, got {value!r}")
    return value
