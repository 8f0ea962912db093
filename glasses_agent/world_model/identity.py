"""Keeping the object memory's identities when its detector loses a thing for a moment.

A blob tracker drops a track whose thing it does not find (it stood still and sank into the
background, a passer-by covered it, it came closer and changed its look faster than the colour gate
allows) and starts a new id when the thing shows again (measured on the hand-labelled tracks,
`eval tracking`: on intel/one-by-one-person-detection a walker coming toward the camera got a new id
mid-stride; on vtest.avi walkers lost in a crowd came back as new ones).

What MOT trackers do about it (DeepSORT and ByteTrack keep lost tracks a while; OC-SORT re-finds
them by their last observation): a dropped track is remembered for a while, and a new track born on
its last box a moment later (IoU), or where it can have got to since and looking like it (overall
colour, the colours of its upper and lower halves, size), takes its identity instead of a new one.
This only names tracks: what the object memory matches, drops and finds surprising is unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from glasses_agent.world_model.foreground import Detection, at_view_border, colour_distance
from glasses_agent.world_model.slot_record import iou

LOST_KEEP_S = 6.0  # a dropped identity is remembered this long (as long as a hidden thing is carried)
LOST_COAST_S = 1.0  # its last velocity is carried on this long at most: a lost thing has often stopped
LOST_COLOUR = 45.0  # a newcomer this close in colour may be it ...
LOST_AREA_RATIO = 2.5  # ... and within this factor of its size
LOST_OVERLAP_S = 0.3  # lost this briefly, a newcomer overlapping its last box by LOST_OVERLAP (IoU) is it, ...
LOST_OVERLAP = 0.5  # ... whatever its colour: a thing coming closer changes its look faster than the gate allows
ON_ITS_BOX = 0.7  # later, a newcomer overlapping its last box this much (IoU) is where it stood: ...
ON_ITS_BOX_COLOUR = 90.0  # ... it is it when as near in colour as a visible track's next sighting must be
# (objects.py's gate for a visible track: a thing turned in a hand, or lit anew, is still matched by it)
REID_WINDOW_S = 3.0  # a newborn may be an identity dropped this recently (re-identification), ...
REID_REACH = 1.5  # ... lying within this many of its reach gates of its way on, ...
REID_COLOUR = LOST_COLOUR  # ... as near in colour as claim asks, ...
REID_AREA_RATIO = 3.5  # ... within this factor of its last or whole size (a part: legs, head and shoulders), ...
REID_MARGIN = 0.5  # ... where that pairing is cheaper than any other for either by this much (cost units)


@dataclass
class LostIdentity:
    """What is remembered of a dropped track: enough to know it again."""

    id: int
    first_seen: float
    last_seen: float
    x: float
    y: float
    vx: float
    vy: float
    radius: float
    area: float
    colour: np.ndarray
    top: np.ndarray | None
    bottom: np.ndarray | None
    box: tuple[float, float, float, float]  # its last box (x0, y0, x1, y1), work px
    whole: float = 0.0  # its size seen whole (median of its recent sizes), where known: the last may be a part
    alone: LostIdentity | None = None  # how it looked alone and whole (merged_blobs' lone look), where known


def looks_apart(a_top: np.ndarray | None, a_bottom: np.ndarray | None, b: Detection) -> float:
    """How unlike a detection's upper and lower halves are from a track's (colour distance, the worse
    half; 0 where either has no halves). Dark coats over jeans and over black trousers have nearly the
    same median colour, not the same lower half."""
    if a_top is None or a_bottom is None or b.top is None or b.bottom is None:
        return 0.0
    return float(max(colour_distance(a_top, b.top), colour_distance(a_bottom, b.bottom)))


def look_distance(g: LostIdentity, det: Detection) -> float:
    """How unlike `det` looks of the identity `g`: overall colour, or its halves' where they differ more."""
    return max(float(colour_distance(det.colour, g.colour)), looks_apart(g.top, g.bottom, det))


def reach(g: LostIdentity, det: Detection, t: float) -> tuple[float, float]:
    """How far `det` lies from where `g` can have got to by `t` (its last velocity carried on for
    LOST_COAST_S at most), and how far counts as there: its own size, plus half its pace for the time
    it was away. (distance, gate), work px."""
    px, py = carried_place(g, t)
    return math.hypot(det.x - px, det.y - py), reach_gate(g, max(0.0, t - g.last_seen))


def carried_place(g: LostIdentity, t: float) -> tuple[float, float]:
    """Where `g` can have got to by `t`: its last place, its last velocity carried on for LOST_COAST_S
    at most (work px)."""
    coast = min(max(0.0, t - g.last_seen), LOST_COAST_S)
    return g.x + g.vx * coast, g.y + g.vy * coast


def reach_gate(g: LostIdentity, away: float) -> float:
    """How far from where `g` can have got to, `away` s after it was last seen, a sighting still counts
    as there (work px): its own size, plus half its pace for the time it was away."""
    return gate_px(g.radius, math.hypot(g.vx, g.vy), away)


def gate_px(radius, speed, away):
    """`reach_gate`'s formula, on floats or on numpy arrays alike (re-identification's screen of many
    pairs at once must keep what the gate keeps)."""
    return 2.0 * radius + 4.0 + 0.5 * speed * away


class LostIdentities:
    """Identities of recently dropped tracks, claimed by newcomers that are plausibly the same thing."""

    def __init__(self) -> None:
        self.lost: list[LostIdentity] = []

    def remember(self, track, t: float, look: LostIdentity | None = None, alone: LostIdentity | None = None) -> None:
        """Keep a dropped, confirmed track's identity for LOST_KEEP_S (as `look` shows it, where given: how
        it looked before it shared a blob with another; else as last seen, with `alone`: how it looked
        alone and whole, for `reidentify`). `track`: a tracks.Track."""
        if look is not None:
            self.keep(replace(look, id=track.id, first_seen=track.first_seen), t)
            return
        self.keep(LostIdentity(track.id, track.first_seen, track.last_seen, track.x, track.y, track.vx,
                               track.vy, track.radius, track.last_area or track.area,
                               np.asarray(track.colour, np.float32).copy(), track.top, track.bottom,
                               tuple(float(v) for v in track.box), track.area, alone), t)

    def keep(self, identity: LostIdentity, t: float) -> None:
        """Remember an identity no track carries now (and forget those kept longer than LOST_KEEP_S)."""
        self.lost.append(identity)
        self.lost = [g for g in self.lost if t - g.last_seen <= LOST_KEEP_S]

    def take(self, identity_id: int) -> LostIdentity | None:
        """The remembered identity with this id (forgotten here: it is carried again), or None."""
        for g in self.lost:
            if g.id == identity_id:
                self.lost.remove(g)
                return g
        return None

    def shift(self, dx: float, dy: float) -> None:
        """The view moved (a head turn): carry the remembered places with it."""
        for g in self.lost:
            g.x += dx
            g.y += dy
            g.box = (g.box[0] + dx, g.box[1] + dy, g.box[2] + dx, g.box[3] + dy)

    def claim(self, det: Detection, t: float) -> LostIdentity | None:
        """The remembered identity a new detection most plausibly is (and forget it), or None."""
        best, best_cost = None, math.inf
        for g in self.lost:
            away = t - g.last_seen
            if away > LOST_KEEP_S or away <= 0:
                continue
            overlap = iou(g.box, det.box) if away <= LOST_OVERLAP_S else 0.0
            if overlap >= LOST_OVERLAP:
                if -overlap < best_cost:  # below every appearance match's cost
                    best, best_cost = g, -overlap
                continue
            # The size test first: the cheaper of the two (on the gopro walk it turns half of them away).
            ratio = det.area / max(g.area, 1e-6)
            if not 1.0 / LOST_AREA_RATIO <= ratio <= LOST_AREA_RATIO:
                continue
            dist, gate = reach(g, det, t)
            if dist > gate:
                continue
            colour = look_distance(g, det)
            # A thing that stood still sinks into the background and is dropped; moved again, it shows
            # on the box where it stood, often turned or lit otherwise (box.mp4: a box held up to the
            # camera, lost at 4.1 s, back at 6.8 s on its box, IoU 0.81, its colour 56 away). Another
            # thing of its size on that very box within seconds is rarer than that.
            if colour > LOST_COLOUR and (colour > ON_ITS_BOX_COLOUR or iou(g.box, det.box) < ON_ITS_BOX):
                continue
            cost = dist / gate + colour / LOST_COLOUR + abs(math.log(ratio)) / math.log(LOST_AREA_RATIO)
            if cost < best_cost:
                best, best_cost = g, cost
        if best is not None:
            self.lost.remove(best)
        return best


def reid_cost(g: LostIdentity, newborn, t: float) -> float | None:
    """How unlike a newborn (its latest sighting: place, size, colours) is of the identity `g` dropped a
    moment ago, judged more loosely than `LostIdentities.claim`: None where it cannot be it. Its size
    and look against the nearer of its last sighting and how it looked alone and whole (the last
    sighting before a drop is often a part, the first of a newborn too: on vtest a walker lost beside
    the sign post came back 3-4 times its last size; a walker going behind a pillar is last seen as a
    sliver of its edge colours); its place against anywhere along its way on since the drop (it may
    have stopped at any point of it), REID_REACH gates wide."""
    away = t - g.last_seen
    if not 0.0 < away <= REID_WINDOW_S:
        return None
    sizes = [abs(math.log(max(newborn.area, 1e-6) / max(a, 1e-6))) for a in (g.area, g.whole) if a > 0]
    if g.alone is not None:
        sizes.append(abs(math.log(max(newborn.area, 1e-6) / max(g.alone.area, 1e-6))))
    size = min(sizes)
    if size > math.log(REID_AREA_RATIO):
        return None
    # The place before the look: the cheaper test, and the one most pairs fail (on the gopro walk 87%
    # of ~110 pairs a tick lie out of reach; their three colour distances were ~0.5 ms a tick).
    ex, ey = g.vx * away, g.vy * away
    run = ex * ex + ey * ey
    along = 0.0 if run <= 0 else min(1.0, max(0.0, ((newborn.x - g.x) * ex + (newborn.y - g.y) * ey) / run))
    dist = math.hypot(newborn.x - g.x - along * ex, newborn.y - g.y - along * ey)
    gate = REID_REACH * reach_gate(g, away)
    if dist > gate:
        return None
    look = look_distance(g, newborn)
    if g.alone is not None:
        look = min(look, look_distance(g.alone, newborn))
    if look > REID_COLOUR:
        return None
    return look / REID_COLOUR + dist / gate + size / math.log(REID_AREA_RATIO)


def reidentify(lost: LostIdentities, newborns: list, t: float, entered: list[bool] | None = None,
               view: tuple[int, int] = (0, 0)) -> dict[int, LostIdentity]:
    """Which newborn tracks (not named yet, their ids not shown before this step) are identities dropped
    within REID_WINDOW_S (into a merged blob, behind a passer-by, lost by the detector) that the stricter
    `claim` turned away: a minimum-cost assignment (Hungarian) over newborns x identities, costs by
    `reid_cost`, each pairing kept only where it is cheaper by REID_MARGIN than any other pairing open
    to that newborn or that identity (a newborn two identities fit about as well, or an identity two
    newborns fit, is left a new id: a wrong old id is worse than a new one). Returns newborn index ->
    identity, each taken from `lost`."""
    gallery = [g for g in lost.lost if 0.0 < t - g.last_seen <= REID_WINDOW_S]
    if not newborns or not gallery:
        return {}
    costs = np.full((len(newborns), len(gallery)), np.inf)
    for r, c in zip(*(index.tolist() for index in np.nonzero(_maybe_in_reach(gallery, newborns, t)))):
        if entered is not None and entered[r] and not left_the_view(gallery[c], view):
            continue
        cost = reid_cost(gallery[c], newborns[r], t)
        if cost is not None:
            costs[r, c] = cost
    out = clear_assignment(costs, gallery)
    for g in out.values():
        lost.take(g.id)
    return out


def clear_assignment(costs: np.ndarray, gallery: list[LostIdentity]) -> dict[int, LostIdentity]:
    """`reidentify`'s naming from its (newborns, gallery) costs (inf: out of the running): the minimum-cost
    assignment, each pairing kept only where it is cheaper by REID_MARGIN than any other pairing open to
    that newborn or that identity. Returns newborn index -> identity."""
    if not np.isfinite(costs).any():
        return {}
    rows, cols = linear_sum_assignment(np.where(np.isfinite(costs), costs, 1e9))
    out: dict[int, LostIdentity] = {}
    for r, c in zip(rows.tolist(), cols.tolist()):
        cost = costs[r, c]
        if not math.isfinite(cost):
            continue
        others = np.concatenate([np.delete(costs[r], c), np.delete(costs[:, c], r)])
        if others.size and float(others.min()) < cost + REID_MARGIN:
            continue
        out[r] = gallery[c]
    return out


def left_the_view(g: LostIdentity, view: tuple[int, int]) -> bool:
    """Was the identity last seen at the view's border (its box within a pixel of an edge, as a
    detection's `touches_border`), where it may have gone out and come back? A thing that comes into
    view at the border was outside it; one lost inside the view (into a merged blob, behind something)
    is still inside, and a newborn entering at the border is someone else. Its size cannot tell them
    apart: a thing entering shows a sliver of itself, and re-identification lets a part be a third of
    the whole (REID_AREA_RATIO). vtest.avi, decoded 131: a walker lost into a pair's blob mid-view gave
    its id to a 38 px sliver of another walking in at the right edge, 37 px on along its way, and came
    out of the blob two frames later under a new id."""
    return at_view_border(g.box, view)


def _maybe_in_reach(gallery: list[LostIdentity], newborns: list, t: float) -> np.ndarray:
    """(newborns, gallery) bool: the pairs `reid_cost`'s place test may keep, all at once, its gate widened
    by a hair so that none it keeps is left out (a NaN kept too); the exact test then runs on these
    only. Most pairs lie far out of reach (on the gopro walk ~87% of ~110 a tick, one by one ~0.3 ms)."""
    g = np.array([(i.x, i.y, i.vx, i.vy, i.radius, t - i.last_seen) for i in gallery], np.float64)
    x, y, vx, vy, radius, away = (g[:, j] for j in range(6))
    nx = np.array([n.x for n in newborns], np.float64)[:, None]
    ny = np.array([n.y for n in newborns], np.float64)[:, None]
    ex, ey = vx * away, vy * away
    run = ex * ex + ey * ey
    moved = run > 0
    along = np.clip(((nx - x) * ex + (ny - y) * ey) / np.where(moved, run, 1.0), 0.0, 1.0) * moved
    dist2 = (nx - x - along * ex) ** 2 + (ny - y - along * ey) ** 2
    gate = REID_REACH * gate_px(radius, np.hypot(vx, vy), away)
    return ~(dist2 > (gate * (1 + 1e-6)) ** 2)
