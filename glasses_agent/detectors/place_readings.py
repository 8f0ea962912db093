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
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from glasses_agent.detectors.base import HISTORY_TOL, TAU_AGREE, TAU_GAPS, TAU_TOLERANCE, Looming, urgency

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
                agreeing = sum(any(_agrees(box, tau, t_ns, b, tau_then, t) for b, tau_then, _ in then)
                               for t, then in before)
                if agreeing >= TAU_AGREE - TAU_GAPS and not (withdrawn is not None and withdrawn()):
                    cue = Looming(score=0.0, box=box, growth_per_s=0.0, tau_s=tau)
                    if best is None or urgency(cue) > urgency(best):
                        best = cue
        self._ticks.append((t_ns, readings))
        return best


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
