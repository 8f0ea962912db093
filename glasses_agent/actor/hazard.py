"""Hazard: something approaching fast. Safety: it pre-empts everything and is never muted by learning.

Two sources of evidence, either suffices: the world model's tracks (an entity near enough whose
box has grown steadily and fast while it is at or moving toward the centre of view, with the
world model's surprise rising; not while the wearer walks) and the classical looming cues (a
region of change that keeps growing; an even-coloured region whose size grows exponentially,
i.e. a short time to contact, which holds up while the wearer walks). Either way it is a hazard
only when what it measures is a time to contact under the mode's `hazard_tau_s` (issue 18: 2 s
in navigate and explore) of something that approaches on its own (it expands at least twice as
fast as the scene the wearer walks through: `approach_tau`); steady growth means one too (its
inverse). Direction is a clock position from where it is in view.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from glasses_agent.actor.base import View, prompt
from glasses_agent.context import WorldState
from glasses_agent.detectors.base import Looming
from glasses_agent.memory.describe import clock_hour, clock_phrase
from glasses_agent.prompts import PRIORITY_SAFETY, Prompt

if TYPE_CHECKING:  # OpenCV comes with it; the policy reads only its scale
    from glasses_agent.world_model.egomotion import Motion as ViewMotion

CENTRAL = 0.3  # |x - 0.5| within this counts as "in the wearer's path"
# A track's smoothed `approach` can outlive the growth that raised it (scenery on a walk keeps
# one for seconds while its box shrinks), so the policy checks the growth itself: the box,
# as this policy saw it over the last BOX_SPAN_NS, must have grown at the rate claimed.
BOX_SPAN_NS = 500_000_000  # the growth check spans at least this much of the track's history
BOX_POINTS = 5  # ...and at least this many sightings (a robust slope: one jittery box moves nothing)
BOX_KEEP_NS = 1_000_000_000  # box areas kept per track
MAX_SCATTER = 0.1  # median log-area scatter around the growth line above which the growth is noise
NEAR_HEIGHT = 0.3  # a track shorter than this share of the view is too far away to warn about


def _steady_growth(points: deque[tuple[int, float]]) -> float:
    """Theil-Sen slope of log area per second (the median over all pairs of sightings), or 0
    when the areas scatter around that line more than MAX_SCATTER (a box that jumps between
    things is not one thing growing)."""
    t = [(ti - points[0][0]) / 1e9 for ti, _ in points]
    y = [math.log(a) for _, a in points]
    slopes = sorted((y[j] - y[i]) / (t[j] - t[i]) for i in range(len(t)) for j in range(i + 1, len(t)) if t[j] > t[i])
    if not slopes:
        return 0.0
    slope = slopes[len(slopes) // 2]
    offsets = sorted(yi - slope * ti for ti, yi in zip(t, y))
    mid = offsets[len(offsets) // 2]
    scatter = sorted(abs(o - mid) for o in offsets)[len(offsets) // 2]
    return slope if scatter <= MAX_SCATTER else 0.0


# The wearer's own forward motion makes everything ahead expand: a walk at ~1.4 m/s gives a
# wall 3 m ahead a time to contact of ~2 s. A thing coming at the wearer expands faster than that
# (`approach_tau`). How fast the scene expands comes from the world model's one
# ego-motion estimator (world_model/egomotion.py, IMU or image): the scale part of the homography
# it fits to the background between ticks. The world stage hands its `Motion` on in
# `TickContext.view_motion`; without a world model there is none, and nothing is removed.
EXPANSION_SPAN_NS = 500_000_000  # ticks of ego-motion whose median scale change is the scene's expansion
EXPANSION_KEEP = 8  # at most this many ticks kept (10 Hz: the span, and a little over)


class SceneExpansion:
    """How fast the wearer's own motion makes the scene ahead expand (1/s), from the world model's
    ego-motion: the median over the last EXPANSION_SPAN_NS of each tick's log scale change per
    second (one tick's fit, jolted by a step or a thing crossing the view, moves nothing), never
    below 0. Ticks whose fit was not believed are left out; none believed: 0."""

    def __init__(self) -> None:
        self._rates: deque[tuple[int, float]] = deque(maxlen=EXPANSION_KEEP)

    def update(self, t_ns: int, motion: ViewMotion | None) -> float:
        """Take this tick's ego-motion (None: none measured); returns the expansion rate now."""
        if motion is not None and motion.ok and motion.dt > 0:
            self._rates.append((t_ns, math.log(max(motion.zoom, 1e-6)) / motion.dt))
        while self._rates and self._rates[0][0] < t_ns - EXPANSION_SPAN_NS:
            self._rates.popleft()
        if not self._rates:
            return 0.0
        rates = sorted(r for _, r in self._rates)
        n = len(rates)
        median = rates[n // 2] if n % 2 else (rates[n // 2 - 1] + rates[n // 2]) / 2
        # A view that shrinks is rarely the wearer backing away: on a still camera it is the fit
        # locking onto things that move off (cars driving away took it to -0.6/s), and removing a
        # negative expansion would shorten every time to contact in view.
        return max(0.0, median)


@dataclass(frozen=True)
class LoomingWarning:
    """A looming cue that warrants a warning: where it is (x across the view), its time to contact
    (of a thing approaching on its own: `approach_tau`), and its score."""

    x: float
    tau_s: float
    score: float


# Lee's tau of a thing is its own time to contact, whoever moves: a thing whose image grows 50%
# a second reaches the wearer in 2 s whether it flies or the wearer walks into it. What the
# wearer's walk changes is which things count: scenery ahead expands with the scene (at the
# scene's depth, at the scene's rate), a thing coming on its own expands faster. So the scene's
# expansion decides *whether* a thing approaches on its own, not *when* it arrives: subtracting
# it from the thing's rate (as this policy once did) put a thing flown at a walking wearer over
# 2 s while it was 1.6 s away.
OWN_SHARE = 0.5  # of a thing's expansion that the scene's must leave over: it grows at least twice as fast as the scene


def approach_tau(tau_s: float, expansion_per_s: float) -> float:
    """The time to contact of something approaching on its own: `tau_s` itself when at least OWN_SHARE
    of its expansion (1 / tau_s) is beyond the scene's (`expansion_per_s`, the wearer's own
    approach); inf for scenery the wearer walks toward (it expands with the scene) and for nothing."""
    if not math.isfinite(tau_s) or tau_s <= 0:
        return math.inf
    rate = 1.0 / tau_s
    return tau_s if rate - expansion_per_s >= OWN_SHARE * rate else math.inf


def looming_warning(cue: Looming | None, *, tau_limit_s: float, expansion_per_s: float = 0.0,
                    growing: Looming | None = None, score_limit: float = math.inf) -> LoomingWarning | None:
    """A warning when something approaching on its own has a time to contact under `tau_limit_s`
    (the mode's hazard_tau_s); None otherwise. `expansion_per_s`: how fast the wearer's own
    motion makes the scene expand (`SceneExpansion`); a thing must expand at least twice as fast
    to count (`approach_tau`).

    Two readings of the time to contact: the cue's tau (confirmed over ticks by the detectors),
    and the steadiest-growing cue's growth rate (its size's log growth per second is the inverse
    of its time to contact), believed where its looming score reaches `score_limit` (the growth
    was steady over a second). Growth that means contact further off than the limit is no hazard
    however steady it is: people strolling at a still camera grow steadily at 4-5 s to contact.
    The cue's tau speaks first: its box is the one closing soonest."""
    if cue is not None:
        tau = approach_tau(cue.tau_s, expansion_per_s)
        if tau <= tau_limit_s:
            x, _ = cue.center
            return LoomingWarning(x=x, tau_s=tau, score=cue.score)
    if growing is not None and growing.score >= score_limit and growing.growth_per_s > 0:
        tau = approach_tau(1.0 / growing.growth_per_s, expansion_per_s)
        if tau <= tau_limit_s:
            x, _ = growing.center
            return LoomingWarning(x=x, tau_s=tau, score=growing.score)
    return None


class HazardPolicy:
    """Proposes a hazard prompt (safety priority) when something approaches fast: a growing world-model
    track or a classical looming cue."""

    kind = "hazard"

    def __init__(self) -> None:
        self._areas: dict[int, deque[tuple[int, float]]] = {}  # track id -> (t_ns, box area)
        self.expansion = SceneExpansion()

    def _box_growth(self, world: WorldState, t_ns: int) -> dict[int, float]:
        """Each visible track's observed growth of log box area per second (over BOX_SPAN_NS or more)."""
        growth: dict[int, float] = {}
        for e in world.entities:
            if not e.visible:
                continue
            areas = self._areas.setdefault(e.id, deque())
            areas.append((t_ns, max(e.box[2] * e.box[3], 1e-6)))
            while areas and areas[0][0] < t_ns - BOX_KEEP_NS:
                areas.popleft()
            if len(areas) >= BOX_POINTS and t_ns - areas[0][0] >= BOX_SPAN_NS:
                growth[e.id] = _steady_growth(areas)
        alive = {e.id for e in world.entities}
        for gone in [k for k in self._areas if k not in alive]:
            del self._areas[gone]
        return growth

    def propose(self, view: View) -> list[Prompt]:
        best: tuple[float, float, str, float] | None = None  # (score, x, source, time to contact)
        world = view.world
        tau_limit = view.settings.threshold("hazard_tau_s", 2.0)
        expansion = self.expansion.update(view.t_ns, view.ctx.view_motion)
        # While the wearer walks, everything ahead grows in the tracker's boxes (about as fast as
        # a thing thrown at them, measured on the gopro walk), and the tracker does not undo the
        # walk; the looming cues below do, so they alone speak for hazards then.
        # A track's growth alone is common (hands, things handled at arm's length); a hazard is
        # growth toward the centre that the world model did not expect: surprise rises with it.
        if world is not None and not view.walking and world.surprise >= view.settings.threshold("hazard_surprise", 1.5):
            limit = view.settings.threshold("hazard_approach", 0.35)
            grown = self._box_growth(world, view.t_ns)
            for e in world.entities:
                if not e.visible or e.approach < limit or e.kind == "qr" or e.box[3] < NEAR_HEIGHT:
                    continue
                growth = grown.get(e.id, 0.0)
                if growth < limit:
                    continue  # the box has not grown as the track's approach says
                # Its area grows at twice its size's rate: contact in 2 / growth, which must be
                # under the mode's limit as any hazard's must.
                tau = approach_tau(2.0 / growth, expansion)
                if tau > tau_limit:
                    continue
                x, _ = e.center
                if abs(x - 0.5) > CENTRAL + e.box[2] / 2:
                    continue  # growing, but passing by at the edge of view
                score = min(1.0, e.approach / (2 * limit))
                if best is None or score > best[0]:
                    best = (score, x, "world", tau)
        det = view.detections
        if det is not None:
            warning = looming_warning(det.looming, expansion_per_s=expansion, growing=det.growing, tau_limit_s=tau_limit,
                                      score_limit=view.settings.threshold("hazard_looming", 0.5))
            if warning is not None:  # a looming rule holds: it speaks, whatever the tracks say
                best = (warning.score, warning.x, "looming", warning.tau_s)
        if best is None:
            return []
        score, x, source, tau = best
        return [prompt("hazard", view.t_ns, f"Look out! Coming {clock_phrase(x)}", priority=PRIORITY_SAFETY,
                       haptic="long", ttl_ms=3_000, x=x, clock=clock_hour(x), score=score, source=source,
                       tau_s=tau, key=f"hazard@{clock_hour(x)}")]
