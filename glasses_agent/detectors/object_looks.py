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

A walk gives many boxes a tick (about 20 on the gopro walk, 6 of them grown and not passing by),
and each match costs the detectors' tick some 30-40 us: at most MAX_MATCHED are matched a tick,
the tracks whose appearance read as closing on their last sighting first (their estimates are
being confirmed), then those nearest to covering the view's centre, where the wearer is heading
(`_matching_order`). Not the fastest-growing ones: a box's own growth is what jitters on the
textured things this cue is for.

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
from glasses_agent.detectors.place_readings import Reading
from glasses_agent.detectors.regions import WINDOW_NS
from glasses_agent.detectors.scale_match import appearance_scale, scale_tau

Box = tuple[float, float, float, float]  # (x, y, w, h), fractions of the view


class _ObjectTrack:
    """One world-model track's boxes as the cue saw them (over WINDOW_NS), and its appearance's estimates."""

    def __init__(self) -> None:
        self.boxes: deque[tuple[int, Box]] = deque()
        self.taus: deque[tuple[int, float]] = deque()


# Boxes whose appearance is matched a tick, at most. The world's boxes on a walk are many (about 20 a
# tick on the gopro walk, 6 of them grown and not passing by); a thing on course to hit the wearer
# is one of the few near the heading, and one the match already read as closing keeps being read
# until its estimates are confirmed (or not). Each match costs about 30 us of the detectors' tick.
MAX_MATCHED = 3


class ObjectLookCue:
    """The world model's object boxes, timed by how their appearance grew (`update`)."""

    def __init__(self) -> None:
        self._tracks: dict[int, _ObjectTrack] = {}

    def reset(self) -> None:
        self._tracks.clear()

    def readings(self, t_ns: int) -> list[Reading]:
        """This tick's raw time-to-contact readings (the matched boxes' appearance, finite, before
        any confirming), each with its box (`place_readings`)."""
        return _readings_of(self._tracks, t_ns)

    def update(self, objects: Sequence[tuple[int, Box]], t_ns: int,
               scaled: tuple[np.ndarray, np.ndarray, float, np.ndarray] | None) -> Looming | None:
        """Take the world's visible object boxes ((track id, box) each) and the looming cue's
        frames for matching (`LoomingCue.frames_for_scale`); returns the cue of the box whose
        confirmed time to contact is soonest, or None."""
        seen: dict[int, tuple[_ObjectTrack, Box]] = {}
        grown: list[tuple[tuple[bool, float], int]] = []  # (matching order, track id) of the boxes that grew
        for track_id, box in objects:
            track = self._tracks.get(track_id)
            if track is None:
                track = self._tracks[track_id] = _ObjectTrack()
            seen[track_id] = (track, box)
            track.boxes.append((t_ns, box))
            while track.boxes and t_ns - track.boxes[0][0] > WINDOW_NS:
                track.boxes.popleft()
            if scaled is not None and _grew(track):
                grown.append((_matching_order(track, box), track_id))
        looks: dict[int, float] = {}
        if scaled is not None:
            grown.sort()
            for _, track_id in grown:
                if len(looks) >= MAX_MATCHED:
                    break
                track, box = seen[track_id]
                if not _passing_by(track):
                    looks[track_id] = scale_tau(appearance_scale(scaled[0], scaled[1], box), scaled[2])
        best: Looming | None = None
        for track_id, (track, box) in seen.items():
            tau = confirmed_tau(track.taus, t_ns, looks.get(track_id, math.inf))
            if not math.isfinite(tau):
                continue
            sightings = [(t, math.sqrt(b[2] * b[3])) for t, b in track.boxes]
            if not seen_bigger_before(sightings, sightings[-1][1], t_ns, tau, within_s=WINDOW_NS / 1e9, in_row=2):
                cue = Looming(score=0.0, box=box, growth_per_s=0.0, tau_s=tau)
                if best is None or urgency(cue) > urgency(best):
                    best = cue
        for gone in [k for k in self._tracks if k not in seen]:
            del self._tracks[gone]
        return best


def _readings_of(tracks: dict[int, _ObjectTrack], t_ns: int) -> list[Reading]:
    return [(tr.boxes[-1][1], tr.taus[-1][1], None) for tr in tracks.values()
            if tr.taus and tr.taus[-1][0] == t_ns and math.isfinite(tr.taus[-1][1])]


def _short(track: _ObjectTrack) -> list[tuple[int, Box]]:
    """The track's boxes over the last TAU_WINDOW_NS, the span the growth gate and the estimate read."""
    last = track.boxes[-1][0]
    return [(t, b) for t, b in track.boxes if last - t <= TAU_WINDOW_NS]


def _grew(track: _ObjectTrack) -> bool:
    """Whether the box grew by LOOK_GREW (each side, on average) over the last TAU_WINDOW_NS, as
    the looming cue asks of its blobs before matching (`looming._look_tau`)."""
    last_t, (_, _, w1, h1) = track.boxes[-1]
    t0, (_, _, w0, h0) = next((t, b) for t, b in track.boxes if last_t - t <= TAU_WINDOW_NS)
    return t0 != last_t and w1 * h1 > LOOK_GREW * LOOK_GREW * w0 * h0


def _passing_by(track: _ObjectTrack) -> bool:
    """`base.passing_by` over the track's boxes of the last TAU_WINDOW_NS."""
    short = _short(track)
    t0 = short[0][0]
    return passing_by([(t - t0) / 1e9 for t, _ in short], [b for _, b in short])


def _matching_order(track: _ObjectTrack, box: Box) -> tuple[bool, float]:
    """Sort key of the boxes to match, first first: a track whose appearance read as closing on its
    last sighting (its estimates are being confirmed, and a tick left out would break the run),
    then the box nearest to covering the view's centre, where the wearer is heading (its centre's
    offset from it less its size: a thing on course to hit the wearer keeps its bearing and
    covers the heading as it comes; scenery and passers-by lie off it and move away as they
    grow, `passing_by`)."""
    reading = bool(track.taus) and math.isfinite(track.taus[-1][1])
    x, y, w, h = box
    return not reading, math.hypot(x + w / 2 - 0.5, y + h / 2 - 0.5) - math.sqrt(w * h)
