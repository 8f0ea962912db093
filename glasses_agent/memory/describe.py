"""Saying where something is in words the wearer can use without looking at a screen."""

from __future__ import annotations

import math


def clock_hour(x: float) -> int:
    """Horizontal position in view (0 = left edge, 1 = right edge) as a clock hour.

    The view is the top half of a clock face seen from its centre: straight ahead (x = 0.5)
    is 12 o'clock, the left edge 9 and the right edge 3, so each hour is a sixth of the view.
    """
    x = min(1.0, max(0.0, float(x))) if math.isfinite(float(x)) else 0.5
    offset = math.floor((x - 0.5) * 6 + 0.5)  # -3 (left edge) .. +3 (right edge), halves round right
    return (12 + offset - 1) % 12 + 1


def clock_phrase(x: float) -> str:
    """"at 2 o'clock", for a position `x` across the view."""
    return f"at {clock_hour(x)} o'clock"
