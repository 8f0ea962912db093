"""A third looming cue: the world model's object boxes, timed by their appearance.

The two looming cues find their own boxes (a blob of change, an even region). A textured thing
over busy scenery gives neither a box of its own size: it has no even interior, and its change
runs into the view's (the walk's parallax, walkers, a hand-held camera's shake). Given a box of
its size, the appearance match (`scale_match`) times it; given a box about its place but twice
its size, it does not (hazards11). The world model's object memory follows what stands out from
a background it keeps aligned with the head, and its boxes are of the thing's own size more often
than either cue's candidates on those misses (hazards12: centred within 2 px and 0.6-1.6 of its
size on 32 of the 247 ticks about due of the textured misses of five draws, against 19 for a blob
of new content). So each object box is timed as the looming cue times its blobs' appearance:
matched only when the box grew over the last TAU_WINDOW_NS and is not passing by, and believed
only when the estimates of the same track agree over ticks (`confirmed_tau`): one reading of a
box that happened to take in growing scenery is no hazard. And, as the region cue asks of its
appearance's estimates (`regions._looks_agreeing`), none of the box's sightings over the last
WINDOW_NS may have been bigger, two in a row, than a thing closing at that time to contact was
then (`seen_bigger_before`): a walker's box that took in a neighbour and shrank back (vtest), or a
thing the match reads as closing twice as fast as its box grows (a generated approach), is not
closing at that time.

The boxes are the world's of the tick before (the detectors run beside the world stage): one
tick of growth behind, which the match does not mind (it searches scale about the box's centre).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

import numpy as np

from glasses_agent.detectors.base import Looming, confirmed_tau, passing_by, seen_bigger_before, urgency
from glasses_agent.detectors.looming import LOOK_GREW, TAU_WINDOW_NS
from glasses_agent.detectors.regions import WINDOW_NS
from glasses_agent.detectors.scale_match import appearance_scale, scale_tau

Box = tuple[float, float, float, float]  # (x, y, w, h), fractions of the view


class _ObjectTrack:
    """One world-model track's boxes as the cue saw them (over WINDOW_NS), and its appearance's estimates."""

    def __init__(self) -> None:
        self.boxes: deque[tuple[int, Box]] = deque()
        self.taus: deque[tuple[int, float]] = deque()


class ObjectLookCue:
    """The world model's object boxes, timed by how their appearance grew (`update`)."""

    def __init__(self) -> None:
        self._tracks: dict[int, _ObjectTrack] = {}

    def reset(self) -> None:
        self._tracks.clear()

    def update(self, objects: Sequence[tuple[int, Box]], t_ns: int,
               scaled: tuple[np.ndarray, np.ndarray, float, np.ndarray] | None) -> Looming | None:
        """Take the world's visible object boxes ((track id, box) each) and the looming cue's
        frames for matching (`LoomingCue.frames_for_scale`); returns the cue of the box whose
        confirmed time to contact is soonest, or None."""
        seen = set()
        best: Looming | None = None
        for track_id, box in objects:
            seen.add(track_id)
            track = self._tracks.setdefault(track_id, _ObjectTrack())
            track.boxes.append((t_ns, box))
            while track.boxes and t_ns - track.boxes[0][0] > WINDOW_NS:
                track.boxes.popleft()
            look = _look_tau(track, box, *scaled[:3]) if scaled is not None else math.inf
            tau = confirmed_tau(track.taus, t_ns, look)
            sightings = [(t, math.sqrt(b[2] * b[3])) for t, b in track.boxes]
            if math.isfinite(tau) and not seen_bigger_before(sightings, sightings[-1][1], t_ns, tau,
                                                             within_s=WINDOW_NS / 1e9, in_row=2):
                cue = Looming(score=0.0, box=box, growth_per_s=0.0, tau_s=tau)
                if best is None or urgency(cue) > urgency(best):
                    best = cue
        for gone in [k for k in self._tracks if k not in seen]:
            del self._tracks[gone]
        return best


def _look_tau(track: _ObjectTrack, box: Box, before: np.ndarray, now: np.ndarray, lag_s: float) -> float:
    """The box's time to contact from its appearance, as the looming cue reads its blobs'
    (`looming._look_tau`): inf for a box that has not grown over the span, one passing by, or
    one whose growth the match does not believe."""
    short = [(t, b) for t, b in track.boxes if track.boxes[-1][0] - t <= TAU_WINDOW_NS]
    if len(short) < 2:
        return math.inf
    (t0, (_, _, w0, h0)), (_, (_, _, w1, h1)) = short[0], short[-1]
    if w1 * h1 <= LOOK_GREW * LOOK_GREW * w0 * h0:
        return math.inf
    if passing_by([(t - t0) / 1e9 for t, _ in short], [b for _, b in short]):
        return math.inf
    return scale_tau(appearance_scale(before, now, box), lag_s)
