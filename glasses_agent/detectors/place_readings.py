"""A fourth looming cue: the three cues' raw time-to-contact readings confirmed by place, not by track.

Each cue confirms a reading only against earlier readings of its own track (`confirmed_tau`:
TAU_AGREE earlier ones, one a tick, agreeing). A small thing over busy scenery is seldom one
track for long: its even region runs into a neighbour and starts a new track, its pieces take
turns at the appearance match, its blob of change merges with the view's, the world's box of it
comes and goes; each track reads it for a tick or two, and none reads it often enough to confirm
(hazards14: the misses of five tuning draws hold readings near the thing from tracks one to three
ticks old). The thing itself stays where it was, and grows as its time to contact says.

So each tick's raw readings of the three cues (`readings()` of each: a box and a finite time to
contact, before any confirming; the region cue's less those of background a passer-by uncovered,
which it withdraws from its own cue too) are kept for TAU_AGREE ticks, and a reading now is
confirmed where, on TAU_AGREE - TAU_GAPS of the TAU_AGREE ticks before (within SPAN_NS), some
reading lay at its place (its centre inside the reading's box now), agreed with it as
`confirmed_tau` asks of a track's (aged by the time passed, within TAU_TOLERANCE), and had a box
no wider and no taller than a thing closing at this time to contact had then (`seen_bigger_before`'s
test, each axis on its own): readings of one thing from whichever track. Scenery's readings at one
place jump about, or come from boxes that were as big before, or grow along one axis (a row of
walkers widening).

Scenery the wearer walks toward can read steadily, though (hazards14: a patch of the gopro walk
right of the heading, 1.8-2.0 s four ticks running): it does close in, at the walk's pace. What
tells it from a thing flying at the wearer is where it expands from. The walk expands the whole
view about its focus of expansion (the heading); a thing on course to hit the wearer keeps its
bearing and swells about a point on itself. So the place's readings, one box a tick (the agreeing
one nearest its centre), must not drift out from the heading as fast as they grow (`passing_by`),
and every side of the box must move outward (`_not_coming`), as each cue asks of its own tracks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from glasses_agent.detectors.base import (FAST_EDGE, HISTORY_TOL, TAU_AGREE, TAU_GAPS, TAU_TOLERANCE, Looming, passing_by,
                                          urgency)

Box = tuple[float, float, float, float]  # (x, y, w, h), fractions of the view
# A raw reading: its box, its time to contact, and (None: nothing to ask) whether its cue withdraws
# it, asked only of a reading about to be confirmed (the region cue's uncovered background).
Reading = tuple[Box, float, Callable[[], bool] | None]
SPAN_NS = (TAU_AGREE + 1) * 120_000_000  # the ticks before must lie within this (as `confirmed_tau`'s)


class PlaceReadings:
    """The looming cues' raw readings of the last TAU_AGREE ticks, confirmed by place (`update`)."""

    def __init__(self) -> None:
        self._ticks: deque[tuple[int, list[Reading]]] = deque(maxlen=TAU_AGREE)

    def reset(self) -> None:
        self._ticks.clear()

    def update(self, t_ns: int, readings: list[Reading]) -> Looming | None:
        """Take this tick's raw readings (`Reading`s, finite); returns the most urgent one that
        readings at its place on the ticks before confirm, or None."""
        before = [(t, r) for t, r in self._ticks if t_ns - t <= SPAN_NS]
        best: Looming | None = None
        if len(before) == TAU_AGREE:
            for box, tau, withdrawn in sorted(readings, key=lambda r: r[1]):
                if best is not None and tau >= best.tau_s:
                    break  # (soonest first: a later one cannot be more urgent)
                chain = [(t, b) for t, then in before
                         if (b := _nearest_agreeing(box, tau, t_ns, t, then)) is not None] + [(t_ns, box)]
                if len(chain) > TAU_AGREE - TAU_GAPS and not _not_coming(chain) \
                        and not (withdrawn is not None and withdrawn()):
                    cue = Looming(score=0.0, box=box, growth_per_s=0.0, tau_s=tau)
                    if best is None or urgency(cue) > urgency(best):
                        best = cue
        self._ticks.append((t_ns, readings))
        return best


def _nearest_agreeing(box: Box, tau: float, t_ns: int, t_then: int, then: list[Reading]) -> Box | None:
    """Of one earlier tick's readings, the box of the one that agrees with this reading (`_agrees`)
    whose centre lies nearest its centre; None when none agrees."""
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    agreeing = [b for b, tau_then, _ in then if _agrees(box, tau, t_ns, b, tau_then, t_then)]
    return min(agreeing, key=lambda b: abs(b[0] + b[2] / 2 - cx) + abs(b[1] + b[3] / 2 - cy), default=None)


def _not_coming(chain: list[tuple[int, Box]]) -> bool:
    """Whether the place's readings, tick by tick (oldest first, this tick's last), are of scenery
    the wearer's own walk expands rather than of a thing coming at them. The walk expands the
    view about its focus of expansion (where the wearer heads); a thing on course to hit the
    wearer swells about a point on itself (where it will hit) and keeps its bearing. So scenery
    off the path moves out from the heading as fast as it grows (`passing_by`), and the side of
    its box nearer the focus holds still or moves in while the far side advances; a thing coming
    moves every side of its box outward, each by at least FAST_EDGE of the box's growth along
    that axis (as `fast_tau` asks of a big thing swelling). Each cue asks this of its own
    tracks; no one track here has the ticks for it."""
    t0 = chain[0][0]
    if passing_by([(t - t0) / 1e9 for t, _ in chain], [b for _, b in chain]):
        return True
    (x0, y0, w0, h0), (x1, y1, w1, h1) = chain[0][1], chain[-1][1]
    for lo0, hi0, lo1, hi1 in ((x0, x0 + w0, x1, x1 + w1), (y0, y0 + h0, y1, y1 + h1)):
        grew = (hi1 - lo1) - (hi0 - lo0)
        if lo0 - lo1 < FAST_EDGE * grew or hi1 - hi0 < FAST_EDGE * grew:
            return True  # one side held still while the other advanced: expanding with the view, not coming
    return False


def _agrees(box: Box, tau: float, t_ns: int, box_then: Box, tau_then: float, t_then: int) -> bool:
    """Whether an earlier reading (box_then, tau_then at t_then) is of the thing read now: at its
    place, agreeing with it, and no bigger then than a thing closing at `tau` was."""
    x, y, w, h = box
    bx, by, bw, bh = box_then
    if abs(bx + bw / 2 - x - w / 2) > w / 2 or abs(by + bh / 2 - y - h / 2) > h / 2:
        return False
    dt = (t_ns - t_then) / 1e9
    tol = TAU_TOLERANCE * max(tau, 0.5)
    if not tau_then - dt - tol <= tau <= tau_then + tol:
        return False
    # Each axis on its own: a thing coming closer grows on both (a row of walkers that widens, or a
    # patch that runs along a kerb, grows on one).
    shrink = tau / (tau + dt) * (1 + HISTORY_TOL)
    return bw <= w * shrink and bh <= h * shrink
