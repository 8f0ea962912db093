"""What the cheap classical detectors found on one tick, in one record the actor reads.

Positions are fractions of the view (0..1). Detectors run every few ticks on reduced frames;
between runs the last record stands (with its own `t_ns`), so the actor always has one.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def robust_line(t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Theil-Sen slope (the median of pairwise slopes over pairs at least 0.15 s apart) and the
    median absolute residual: one box that caught a neighbour's edge, or one merged tick, moves
    neither. The looming cues fit log size against time with it."""
    i, j = np.triu_indices(len(t), k=1)
    dt = t[j] - t[i]
    keep = dt > 0.15
    if not keep.any():
        return 0.0, 1.0
    slope = float(np.median((y[j] - y[i])[keep] / dt[keep]))
    intercept = float(np.median(y - slope * t))
    return slope, float(np.median(np.abs(y - slope * t - intercept)))


def _median(values: list[float]) -> float:
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def _theil_sen(t: list[float], y: list[float]) -> tuple[float, float, float]:
    """`robust_line` for a handful of points in plain Python (numpy's per-call overhead is most of
    the cost at five points, and the cue fits every region it follows each tick): (slope,
    intercept, median absolute residual); slope 0 and residual 1 when no pair is 0.15 s apart."""
    slopes = [(y[j] - y[i]) / (t[j] - t[i]) for i in range(len(t)) for j in range(i + 1, len(t)) if t[j] - t[i] > 0.15]
    if not slopes:
        return 0.0, 0.0, 1.0
    slope = _median(slopes)
    intercept = _median([yi - slope * ti for ti, yi in zip(t, y)])
    return slope, intercept, _median([abs(yi - slope * ti - intercept) for ti, yi in zip(t, y)])


PASSING = 0.5  # offset growth, as a share of the size's, from which a thing is passing by (see passing_by)


def passing_by(t: list[float], boxes: list[tuple[float, float, float, float]]) -> bool:
    """Something the wearer passes (or that passes the wearer), not something on course to hit them.

    Constant bearing, decreasing range: a thing on a collision course keeps its direction while it
    grows, so its offset from the heading (the view's centre) grows little; scenery beside the
    path, and things going past, move out from the heading as fast as they grow (offset and size
    both go as 1 / distance). Passing by: its offset grows at PASSING or more of its size's log
    rate, unless it already covers the heading (offset within its own size)."""
    offset = [math.hypot(x + w / 2 - 0.5, y + h / 2 - 0.5) for x, y, w, h in boxes]
    size = [math.sqrt(w * h) for _, _, w, h in boxes]
    if offset[-1] <= size[-1] or min(offset) <= 0 or min(size) <= 0:
        return False
    grow, _, _ = _theil_sen(t, [math.log(v) for v in size])
    drift, _, _ = _theil_sen(t, [math.log(v) for v in offset])
    return grow > 0 and drift >= PASSING * grow


SPEEDING_BETTER = 0.5  # the speeding-up model's scatter must be under this share of the steady model's


def time_to_contact(t: np.ndarray, size: np.ndarray) -> tuple[float, float]:
    """Lee's tau at the last sighting, and how well the sizes fit it (relative scatter).

    Two models of closing, the better-fitting one wins. Steady speed: the image size is
    proportional to 1 / distance, so 1 / size falls on a straight line that reaches zero at
    contact, tau = (1 / size now) / -(d(1/size)/dt); fitting that line instead of a growth rate
    over a window has no lag (a steadily closing thing's growth rate rises as it comes; a
    window's mean rate is that of its middle, late by half the window). Speeding up (thrown,
    falling): log size grows at a steady rate, tau = 1 / that rate. Returns (inf, 1) when the
    size does not grow.
    """
    ts = [float(v) for v in t]
    sizes = [max(float(v), 1e-6) for v in size]
    slope, intercept, resid = _theil_sen(ts, [1.0 / v for v in sizes])
    now = intercept + slope * ts[-1]
    steady = (now / -slope, resid / now) if slope < 0 and now > 0 else (math.inf, 1.0)
    rate, _, log_resid = _theil_sen(ts, [math.log(v) for v in sizes])
    speeding = (1.0 / rate, log_resid) if rate > 0 else (math.inf, 1.0)
    # Steady closing is the common case (walking into things, things walking at you): speeding
    # up has to fit clearly better to be believed.
    return speeding if speeding[1] < SPEEDING_BETTER * steady[1] else steady


# Slack on what a track's earlier sightings may measure against a thing closing at its time to
# contact (see seen_bigger_before).
HISTORY_TOL = 0.05


def seen_bigger_before(sightings: Sequence[tuple], size_now: float, t_ns: int, tau: float,
                       within_s: float = math.inf, in_row: int = 1) -> bool:
    """Whether `in_row` sightings in a row of `sightings` ((t_ns, size, ...), oldest first, those
    within `within_s` of `t_ns`) were bigger than a thing closing at a steady speed with time to
    contact `tau` now (size `size_now`) was then: size_now tau / (tau + dt), give or take
    HISTORY_TOL (speeding up: smaller still). Scenery whose outline jumps or flickers (a patch
    taking in a strip of its neighbour, a gap between passers-by widening) was there before at
    about its present size; a thing that came near has been smaller all along (but for a pixel
    of jitter on one sighting, which `in_row` 2 forgives)."""
    run = 0
    for t_then, size, *_ in sightings:
        dt = (t_ns - t_then) / 1e9
        bigger = dt <= within_s and size > size_now * tau / (tau + dt) * (1 + HISTORY_TOL)
        run = run + 1 if bigger else 0
        if run >= in_row:
            return True
    return False


# A thing that is already a fair part of the view and swells fast needs no second of confirming
# sightings: contact comes within it. Three sightings in a row (FAST_POINTS, over at most
# FAST_SPAN_NS), each bigger on both axes than the one before by at least what a thing closing
# at FAST_TAU_S (half the 2 s the modes warn at) would grow by, give its time to contact at once
# (see fast_tau); everything smaller or slower keeps the careful path (confirmed_tau).
FAST_TAU_S = 1.0
FAST_POINTS = 3
FAST_SPAN_NS = 350_000_000
FAST_MIN_SIZE = 0.1  # size (fraction of the view's height) from which a thing is big enough for it
FAST_SCATTER = 0.06  # relative scatter of 1 / size around the three-point fit above which it is not believed
# A thing that will hit the wearer within a second swells about a point on itself (where it will
# hit): every side of its box moves outward. Each side must take at least this share of the box's
# growth along its axis (a patch of a passer-by that spreads one way as a leg or arm swings out
# keeps its other side where it was).
FAST_EDGE = 0.2


def fast_tau(sightings: Sequence[tuple[int, float, tuple[float, float, float, float], tuple[float, float]]],
             t_ns: int) -> float:
    """The time to contact of a big thing swelling fast, from its last FAST_POINTS sightings alone
    (inf when it is not one). `sightings`: (t_ns, size, box, (width, height)), oldest first, the
    last one this tick's.

    Every step must grow the size and both axes by at least exp(dt / FAST_TAU_S): a thing coming
    at the wearer swells on both axes tick after tick, where a patch that takes in a neighbour
    jumps once, along one side, and a passer-by's outline swells on one axis as a leg swings.
    Each side of its box must move outward by FAST_EDGE of the box's growth along that axis.
    The fitted time to contact must be under FAST_TAU_S, the thing must not be passing by
    (`passing_by`), and none of its earlier sightings may be bigger than a thing closing at that
    time to contact was then (s_now tau / (tau + dt)): scenery whose outline flickers was seen at
    its size before; a thing that came near has been smaller all along."""
    if len(sightings) < FAST_POINTS or sightings[-1][1] < FAST_MIN_SIZE:
        return math.inf  # (most tracks end here, every tick: before any copy)
    every = list(sightings)
    last = every[-FAST_POINTS:]
    if last[-1][0] != t_ns or t_ns - last[0][0] > FAST_SPAN_NS:
        return math.inf
    for (t0, s0, _, (w0, h0)), (t1, s1, _, (w1, h1)) in zip(last, last[1:]):
        need = math.exp((t1 - t0) / 1e9 / FAST_TAU_S)
        if min(s0, w0, h0) <= 0 or s1 < need * s0 or w1 < need * w0 or h1 < need * h0:
            return math.inf
    (x0, y0, w0, h0), (x1, y1, w1, h1) = last[0][2], last[-1][2]
    for lo0, hi0, lo1, hi1 in ((x0, x0 + w0, x1, x1 + w1), (y0, y0 + h0, y1, y1 + h1)):
        grew = (hi1 - lo1) - (hi0 - lo0)
        if lo0 - lo1 < FAST_EDGE * grew or hi1 - hi0 < FAST_EDGE * grew:
            return math.inf  # one side held still while the other advanced: spreading, not coming
    t = [(s[0] - last[0][0]) / 1e9 for s in last]
    tau, scatter = time_to_contact(np.array(t), np.array([s[1] for s in last]))
    if not tau < FAST_TAU_S or scatter > FAST_SCATTER or passing_by(t, [s[2] for s in last]):
        return math.inf
    if seen_bigger_before(every[:-FAST_POINTS], last[-1][1], t_ns, tau):
        return math.inf
    return tau


@dataclass(frozen=True)
class Looming:
    """Something growing toward the wearer: how strongly, where in view, how fast it grows."""

    score: float  # 0..1: how strongly something grows toward the wearer
    box: tuple[float, float, float, float]  # (x, y, w, h) of the looming region
    growth_per_s: float  # relative growth of its size per second
    tau_s: float = math.inf  # time to contact (s) from its size's growth, before the wearer's motion is removed

    @property
    def center(self) -> tuple[float, float]:
        x, y, w, h = self.box
        return x + w / 2, y + h / 2


TAU_AGREE = 3  # earlier estimates (one a tick) that must agree with this one before a time to contact is given
TAU_GAPS = 1  # of those, this many may be missing (a tick where the outline touched a neighbour)
TAU_TOLERANCE = 0.3  # relative disagreement allowed between an earlier estimate, aged to now, and this one


def confirmed_tau(history: deque[tuple[int, float]], t_ns: int, tau: float) -> float:
    """Record this tick's estimate in `history` and return it if the TAU_AGREE before it agree.

    A thing closing steadily has a time to contact that falls by one second a second, tick after
    tick (one thrown, faster: it holds); scenery of a walk (a patch of ground, a gap in the leaves) gives estimates that jump
    around as its outline changes. An earlier estimate aged to now (tau_then - elapsed) must be
    within TAU_TOLERANCE of this one; any missing one (inf) breaks the run."""
    history.append((t_ns, tau))
    while len(history) > TAU_AGREE + 1:
        history.popleft()
    if len(history) < TAU_AGREE + 1 or not math.isfinite(tau):
        return math.inf
    tol = TAU_TOLERANCE * max(tau, 0.5)
    earlier = [(t_then, tau_then) for t_then, tau_then in list(history)[:-1] if math.isfinite(tau_then)]
    if len(earlier) < TAU_AGREE - TAU_GAPS or t_ns - history[0][0] > (TAU_AGREE + 1) * 120_000_000:
        return math.inf
    agree = True
    for t_then, tau_then in earlier:
        # Steady closing ages the earlier estimate by the time passed; closing that speeds up
        # (a thing thrown, growing exponentially) keeps it where it was. Either agrees.
        aged = tau_then - (t_ns - t_then) / 1e9
        if not aged - tol <= tau <= tau_then + tol:
            agree = False
    if agree or _falling_all_along(history):
        return tau
    return math.inf


def _falling_all_along(history: deque[tuple[int, float]]) -> bool:
    """Every estimate of the run there and each under the one before: the thing's time to contact
    falls faster than time passes, spread over the run's ticks (no one step more than half the
    whole fall). A thing whose closing speeds up does that; so does one whose outline ran into
    scenery of its own colour and read slow, and parts from it as it comes (its estimates fall
    toward the truth a little every tick). Scenery whose outline jumps reads up and down, or
    falls at once when it takes in a neighbour, not down tick after tick."""
    taus = [tau for _, tau in history]
    if not all(math.isfinite(v) for v in taus):
        return False
    steps = [a - b for a, b in zip(taus, taus[1:])]
    return min(steps) > 0 and max(steps) <= 0.5 * sum(steps)


def agreed_now(outline: float, look: float, sightings: Sequence[tuple], t_ns: int,
               within_s: float = math.inf) -> float:
    """A time to contact given on the tick the outline's first estimate comes, when the thing's
    appearance reads one too: the slower of the two; inf otherwise.

    The outline's estimates are confirmed by earlier ones (`confirmed_tau`, or two in a row and
    the history check), which costs a tick or more after a small thing first becomes something
    to time. Its appearance (`scale_match`: the box's content now against the frame LAG_S before,
    scaled) is a second measure of the same growth, taken from the pixels inside the box rather
    than its edge: a patch whose outline jumps (it took in a strip of its neighbour, a gap widened)
    does not look like its earlier self made bigger, and a thing changing shape (a hand reaching)
    reads otherwise by its appearance than by its outline. Either way one of the two reads slow,
    so the slower of the two is given: a hazard only where both measures put contact within the
    mode's limit. They need not read alike: near due a small flat disc's appearance reads fast
    (only its rim has anything to match) and a disc run into scenery of its own colour has an
    outline that reads slow, and asking the two to agree within TAU_TOLERANCE (as the ninth round
    did) held back, by a tick or more, things whose both measures already said contact was near.
    None of `sightings` ((t_ns, size, ...), oldest first; those within `within_s`) may have been
    seen bigger two in a row than a thing closing at that time to contact was then
    (`seen_bigger_before`)."""
    if not (math.isfinite(outline) and math.isfinite(look)):
        return math.inf
    tau = max(outline, look)
    if seen_bigger_before(sightings, sightings[-1][1], t_ns, tau, within_s=within_s, in_row=2):
        return math.inf
    return tau


def strongest(a: Looming | None, b: Looming | None) -> Looming | None:
    """Of two cues, the one with the higher looming score (None when neither scores above 0)."""
    a = a if a is not None and a.score > 0 else None
    b = b if b is not None and b.score > 0 else None
    if a is None or b is None:
        return a or b
    return a if a.score >= b.score else b


def urgency(cue: Looming) -> tuple[float, float]:
    """Order looming cues by how soon contact comes, then by score (larger is more urgent)."""
    return (-min(cue.tau_s, 1e6), cue.score)


@dataclass(frozen=True)
class Detections:
    """What the classical detectors found on one tick; slow detectors not run this tick carry their last
    value (`fresh` names those that ran)."""

    t_ns: int
    luma: float | None = None  # mean brightness 0..1 of the newest frame
    qr: tuple[tuple[str, float], ...] = ()  # decoded QR texts with their x in view
    people: int | None = None  # faces (or people) counted; never who
    people_x: tuple[float, ...] = ()
    speech: float | None = None  # voice-activity probability over the last audio
    looming: Looming | None = None  # the most urgent cue: the soonest time to contact, then the score
    # The strongest steady growth (the looming score of the one rule hazards had before time to
    # contact): a thing that closes at a steady tau over the mode's limit can still score here.
    growing: Looming | None = None
    sounds: tuple[tuple[str, float], ...] = ()  # common alert sounds heard now (kind, score), no enrolling
    fresh: frozenset[str] = frozenset()  # the slow detectors that ran this tick; the rest carried over
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "t_ns": self.t_ns,
            "luma": None if self.luma is None else round(self.luma, 4),
            "qr": [[t, round(x, 3)] for t, x in self.qr],
            "people": self.people,
            "speech": None if self.speech is None else round(self.speech, 3),
            "looming": None if self.looming is None else {
                "score": round(self.looming.score, 3),
                "box": [round(v, 3) for v in self.looming.box],
                "growth_per_s": round(self.looming.growth_per_s, 3),
                "tau_s": None if not math.isfinite(self.looming.tau_s) else round(self.looming.tau_s, 3),
            },
            "growing": None if self.growing is None or self.growing is self.looming else {
                "score": round(self.growing.score, 3),
                "box": [round(v, 3) for v in self.growing.box],
            },
            "sounds": [[k, round(v, 3)] for k, v in self.sounds],
        }
