"""Who is who when a blob that two things shared splits again.

At the object memory's 160 px, two walkers who meet or pass become one foreground blob. One track
keeps the blob (its velocity and colour drift to the pair's), the other is dropped; when the blob
splits, the track that kept it goes on with the part nearest its drifted prediction, which is often
the other walker, and the walker it lost is born again under a new id (measured on vtest.avi, `eval
tracking`: 3 of its 6 id switches; the rest of the tracker followed every part correctly).

What a blob tracker does about it (the merge-split handling of classical blob trackers; appearance
re-identification as in DeepSORT): remember how each track looked while it was alone, notice when its
blob swells past that (another thing joined it) and which dropped tracks went into it, and when a part
comes out again, give the identities to the parts by which looks like which (overall colour, the
colours of its upper and lower halves, size), the places each was heading to only weighing in where
the looks are alike. This only names tracks: what the object memory matches, drops and finds
surprising is unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from glasses_agent.world_model.foreground import Detection, border_sides
from glasses_agent.world_model.identity import (LOST_COAST_S, LOST_COLOUR, LOST_KEEP_S, LostIdentities, LostIdentity,
                                                carried_place, look_distance, reach)

SWELL = 1.5  # a part whose box is this many times an identity's (or 1/SWELL of it) is not that thing
GROWN = 1.25  # a box this much larger than its lone look: something joined its blob (two walkers part at a
# few px a frame; the look follows a lone box slowly, so a larger bar let a slow parting pass for growth)
LOOK_RATE = 0.2  # a lone sighting's share in the look (as the track's own colour is kept)
MERGE_KEEP_S = LOST_KEEP_S  # a blob not sorted out by then is taken for one thing
# What naming a part earns in the assignment: more than any cost (at most 2 + POSITION_WEIGHT + HEADING_WEIGHT).
NAMED_BONUS = 10.0
_CANNOT = 1e9  # the assignment's cost of a naming that cannot be
POSITION_WEIGHT = 0.5  # where each was heading only weighs in where the looks are alike
HEADING_WEIGHT = 0.5  # the blob's own part moving unlike an identity moved: as much again as the place

SWAP_MARGIN = 0.25  # ids move only where that is clearly the better reading, not on noise
NEAR_PX = 2  # a newcomer this close to a merged blob's last box came out of it
MOVING = 5.0  # work px a second: slower than this, a thing's heading is noise (as for a trusted track)


def box_area(box: tuple[float, float, float, float]) -> float:
    """Area of an (x0, y0, x1, y1) box, at least one pixel."""
    return max(1.0, float(box[2] - box[0]) * float(box[3] - box[1]))


def _against(vx: float, vy: float, bx: float, by: float) -> bool:
    """Is a thing moving at (vx, vy) heading against a blob moving at (bx, by)? Both moving, and the
    thing's velocity with a backward component along the blob's (work px a second)."""
    if math.hypot(vx, vy) < MOVING or math.hypot(bx, by) < MOVING:
        return False
    return vx * bx + vy * by < 0.0


def _along(vx: float, vy: float, gx: float, gy: float) -> bool:
    """Is a thing moving at (vx, vy) heading the way a thing moving at (gx, gy) was? Both moving, and
    the first with a forward component along the second (work px a second)."""
    if math.hypot(vx, vy) < MOVING or math.hypot(gx, gy) < MOVING:
        return False
    return vx * gx + vy * gy > 0.0


def _whole_at_last(sliver: tuple[float, float, float, float], box: tuple[float, float, float, float],
                   view: tuple[int, int]) -> bool:
    """Is a thing first seen as `sliver` at one side of the view (walking in), and now wholly in view as
    `box`, the one thing whose sliver that was? Across the side it came in by only a sliver of it
    showed, so its size there says nothing; along that side it showed whole from the first, so a box
    as long along it (within GROWN) is that thing, come wholly in. Then its lone look is taken now:
    kept from the sliver, the whole walker read as a blob of two from then on (vtest.avi, decoded
    110-170: a walker in at the right edge, its look a 34 px wide sliver of it, was renamed after the
    fragments and the passer-by it met, ids 27, 6, 31, 27, 31; drawn walkers, one walking in at a
    side and meeting another, came out of the meeting under a new id). Two things coming in one
    beside the other along the side (one nearer, one farther) show longer along it than the sliver
    did, and stay a blob of two, as before. In at a corner (two sides cut): as before."""
    side, end = border_sides(sliver, view)  # in at the left or right; in at the top or bottom
    if side == end:
        return False
    along = (1, 3) if side else (0, 2)
    seen = sliver[along[1]] - sliver[along[0]]
    return box[along[1]] - box[along[0]] <= GROWN * max(1.0, seen)


def _near(a: tuple[float, float, float, float], b: tuple[float, float, float, float], pad: float) -> bool:
    return a[0] <= b[2] + pad and b[0] <= a[2] + pad and a[1] <= b[3] + pad and b[1] <= a[3] + pad


@dataclass
class Merge:
    """A track whose blob holds more than its own thing: since when, and its box at the last two
    sightings."""

    since: float
    box: tuple[int, int, int, int]
    before: tuple[int, int, int, int]


class MergedBlobs:
    """Looks of tracks while alone, merges, and who is who when a merged blob splits (ids only)."""

    def __init__(self, lost: LostIdentities) -> None:
        self.lost = lost
        self.looks: dict[int, LostIdentity] = {}  # identities given to newcomers: how they looked alone
        # This step's identities given to newcomers out of a merged blob: the blob's track and the
        # identity, kept on the newcomer's track (as "out_of") until it is confirmed.
        self.came_out: dict[int, tuple[object, LostIdentity]] = {}

    # -- hooks the object memory calls ------------------------------------------------------------

    def seen(self, track, det: Detection, t: float, view: tuple[int, int]) -> None:  # track: tracks.Track
        """A track was matched to `det`: keep its lone look, or note that its blob holds more than it.
        `view`: the work frame's (width, height)."""
        before = track.extras.get("part")
        track.extras["part"] = det
        look: LostIdentity | None = track.extras.get("look")
        merge: Merge | None = track.extras.get("merge")
        if merge is not None:
            merge.before, merge.box = merge.box, det.box
            return
        if look is None:
            given = self.looks.pop(track.id, None)
            track.extras["look"] = self._look(track, det, t) if given is None else given
            if given is None and det.touches_border:
                track.extras["edge_look"] = det.box  # a sliver of it, walking in: see `_whole_at_last`
            return
        if det.touches_border:
            return
        entered = track.extras.pop("edge_look", None)
        if entered is not None and _whole_at_last(entered, det.box, view):
            track.extras["look"] = self._look(track, det, t)
            return
        ratio = box_area(det.box) / box_area(look.box)
        if ratio > GROWN:
            track.extras["merge"] = Merge(since=t, box=det.box, before=det.box if before is None else before.box)
        elif ratio >= 1.0 / GROWN:  # a part of it only (half behind something) says little of its look
            track.extras["look"] = self._blend(look, track, det, t)

    def dropped(self, track, tracks: list, t: float) -> None:
        """A track is dropped: remember its identity as it looked alone, and note the merged blob it went
        into, if one now covers where it was."""
        merge: Merge | None = track.extras.get("merge")
        look = track.extras.get("look")
        self.lost.remember(track, t, look if merge is not None else None, alone=look)
        for other in tracks:
            m: Merge | None = other.extras.get("merge")
            if other is not track and m is not None and other.last_seen == t and _near(m.box, track.box, 0):
                inside = other.extras.setdefault("inside", [])
                if track.id not in inside:
                    inside.append(track.id)
                return

    def sort_out(self, tracks: list, newcomers: list[tuple[int, Detection]], t: float, new_id) -> dict[int, LostIdentity]:
        """For every merged blob seen this step, give its identities to its parts where the parts can be
        told apart: renames tracks, and returns the identities for newcomers (detection index ->
        identity) that came out of a blob. `new_id()` gives a fresh id."""
        given: dict[int, LostIdentity] = {}
        self.came_out = {}
        for track in tracks:
            merge: Merge | None = track.extras.get("merge")
            if merge is None or track.last_seen != t:
                continue
            if t - merge.since > MERGE_KEEP_S:  # together too long to tell: one thing now
                self._settle(track, t)
                continue
            part: Detection = track.extras["part"]
            parts = [(None, part)] + [(di, d) for di, d in newcomers if di not in given and _near(d.box, merge.before, NEAR_PX)]
            own = replace(track.extras["look"], id=track.id, first_seen=track.first_seen)
            # The identities that went into its blob and have not come out (not claimed since).
            inside = [i for i in track.extras.get("inside", []) if any(g.id == i for g in self.lost.lost)]
            track.extras["inside"] = inside
            idents = [own] + [g for g in self.lost.lost if g.id in inside]
            if track.extras.get("on_its_ghost") and len(idents) == 1 and self._shrunk_below_look(track, part, own):
                # Born where the background still held it (the background model starts from a frame
                # with the walkers in it), so its first blobs were it and the place it left: its look
                # too. Nothing went into its blob, and it has stayed smaller than that look: the ghost
                # has gone, and the look was never its own. (Kept, a walker was "merged" under it until
                # dropped into a group, remembered by it, and came out under a new id: vtest.avi,
                # decoded 2-50.)
                track.extras.pop("on_its_ghost")
                self._settle(track, t)
                continue
            dets = [d for _, d in parts]
            # The track follows its part by its motion: the blob's velocity is that part's, to be
            # compared with how each identity was moving.
            heading = (track.vx, track.vy)
            found = self._assign(dets, idents, t, heading=heading)
            if found is None:
                continue  # nothing can be told apart yet
            score, choice = found
            renamed = choice.get(0, 0) != 0 or any(p != 0 and i == 0 for p, i in choice.items())
            if renamed:
                kept = self._assign(dets, idents, t, keep_own=True, heading=heading)
                if kept is not None and kept[0] - score < SWAP_MARGIN:
                    renamed, choice = False, kept[1]
            for p, i in choice.items():
                if p != 0:  # a newcomer out of the blob: one of the things in it
                    if i != 0:
                        self.lost.take(idents[i].id)
                    given[parts[p][0]] = idents[i]
                    self.looks[idents[i].id] = idents[i]
                    self.came_out[idents[i].id] = (track, idents[i])
            if renamed:
                i = choice.get(0)
                if i is not None:  # its part is one that went into the blob
                    known = self.lost.take(idents[i].id)
                else:  # its part is none of them: something that was in the blob unseen, or a stranger
                    known = self.lost.claim(part, t)
                track.id, track.first_seen = (known.id, known.first_seen) if known is not None else (new_id(), t)
                if 0 not in choice.values():
                    self.lost.keep(own, t)  # its own thing is still in there, or comes out later
                    if own.id not in track.extras["inside"]:
                        track.extras["inside"].append(own.id)
                    # Then the blob still holds two: not over, though it may be one thing's size now
                    # (one in front of the other); its look is the one it was named after. (Settled
                    # here, its look grew with the blob as the two slowly parted, and the blob was
                    # never taken for two again.)
                    track.extras["look"] = self._look(track, part, t) if known is None else known
                    continue
                self._settle(track, t, known)
            elif self._alone(part, own) and not self._holds_another(part, idents, t):
                self._settle(track, t)  # alone again, under its own id
        return given

    def confirmed(self, track, det: Detection, t: float, new_id) -> None:
        """A newcomer named out of a merged blob is confirmed (three sightings, its id not shown yet):
        now that its heading is known, is it one of the things that went into the blob? Those moved
        with the blob while inside it, and part from it slowly; a passer-by who walked through the
        blob (or behind it) comes out heading against it, and is not one of them, however like one it
        looks (vtest.avi, decoded 357: a walker crossing a pair's blob came out looking like the
        dropped one of the pair, took its id, and the pair's split at 370 then had an id too few).
        Then the identity goes back into the blob, and the newcomer is a new thing. But where the blob's
        track is itself the passer-by (a walker passing head-on through the others' blobs, its track
        keeping each blob), the things that went in come out heading against the blob and as each was
        heading when it went in: a newcomer moving the way its identity moved is that thing. (Read as
        a passer-by, each of a pair passed head-on came out under a new id.)"""
        entry = track.extras.pop("out_of", None)
        if entry is None:
            return
        blob, identity = entry
        if blob.extras.get("merge") is None or not _against(track.vx, track.vy, blob.vx, blob.vy):
            return
        if _along(track.vx, track.vy, identity.vx, identity.vy):
            return
        known = self.lost.claim(det, t)  # it may be a thing dropped elsewhere, found again (not this one)
        self.lost.keep(identity, t)
        inside = blob.extras.setdefault("inside", [])
        if identity.id not in inside:
            inside.append(identity.id)
        track.id, track.first_seen = (known.id, known.first_seen) if known is not None else (new_id(), track.first_seen)
        track.extras["look"] = self._look(track, det, t) if known is None else known

    def own_box(self, track, t: float) -> tuple[float, float, float, float] | None:
        """Where in its blob a track's own thing is, while the blob is known to hold another thing as
        large (one that went in and has not come out, and could be there by its own motion): a box of its
        lone look's size at the end of the blob's box on the side its own thing is of the other, each
        carried on from where it was last seen alone by its own velocity (work px); where the two are not
        half a look apart along either axis (one in front of the other), a box of its look's size at the
        blob's top where its own thing's feet are the higher (behind), at its bottom where they are the
        lower (in front). None (the blob's box shown as it is) where the blob holds only its own thing,
        or where either was last seen alone over LOST_COAST_S ago (what is known of where each went has
        run out). The blob's box is both walkers' box: shown under one id, it was
        matched to whichever walker it overlapped the more, often the one whose id it did not show
        (vtest.avi, 6 of dev's 9 id switches). Ids and shown boxes only: nothing matched changes."""
        merge: Merge | None = track.extras.get("merge")
        look: LostIdentity | None = track.extras.get("look")
        part: Detection | None = track.extras.get("part")
        if merge is None or look is None or part is None or track.last_seen != t:
            return None
        inside = [g for g in self.lost.lost if g.id in track.extras.get("inside", ())]
        if not inside or not self._holds_another(part, [look] + inside, t):
            return None
        # Which end of the blob is its own: the side its own thing is on of the other, each carried on
        # by its own last velocity (the blob's place is the pair's, no guide to either).
        other = min(inside, key=lambda g: reach(g, part, t)[0])
        if max(t - look.last_seen, t - other.last_seen) > LOST_COAST_S:
            return None  # where each went has not been known for a while: which side is whose neither
        ox, oy = carried_place(look, t)
        gx, gy = carried_place(other, t)
        w, h = look.box[2] - look.box[0], look.box[3] - look.box[1]
        x0, y0, x1, y1 = track.box
        beside, above = abs(ox - gx) > w / 2, abs(oy - gy) > h / 2
        if not beside and not above:
            # One in front of the other. Feet lower in the view are nearer: the one in front stands on
            # the blob's bottom, the one behind shows above it, at the blob's top. (The blob's box shown
            # as it was, it was matched to the one in front, whose id it did not show where its own
            # thing was behind: vtest.avi, decoded 130.)
            behind = oy + h / 2 < gy + (other.box[3] - other.box[1]) / 2
            cy = (y0 + y1) / 2 if h >= y1 - y0 else (y0 + h / 2 if behind else y1 - h / 2)
            return ((x0 + x1) / 2 - w / 2, cy - h / 2, (x0 + x1) / 2 + w / 2, cy + h / 2)
        cx = (x0 + x1) / 2 if w >= x1 - x0 or not beside else (x0 + w / 2 if ox < gx else x1 - w / 2)
        cy = (y0 + y1) / 2 if h >= y1 - y0 or not above else (y0 + h / 2 if oy < gy else y1 - h / 2)
        return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)

    # -- pieces -----------------------------------------------------------------------------------

    def _assign(self, parts: list[Detection], identities: list[LostIdentity], t: float, keep_own: bool = False,
                heading: tuple[float, float] | None = None) -> tuple[float, dict[int, int]] | None:
        """The best way to give identities to parts: (score, part index -> identity index), a part
        naming none where it can be none. As many parts named as can be, then the cheapest. With
        `keep_own`, the first part (the track's) keeps the first identity (its own). `heading`: the
        first part's velocity (the track's, work px a second), where known. None where no part can be
        any identity."""
        costs = [[self._cost(d, g, t, heading if p == 0 else None) for g in identities] for p, d in enumerate(parts)]
        if len(parts) == 1 and len(identities) == 1:
            # A blob's own part and its own identity alone (most calls on the gopro walk): the
            # assignment below names it whenever it can be it (NAMED_BONUS outweighs any cost), with
            # or without `keep_own`; the same answer without the solver's overhead (~20 us a call).
            cost = costs[0][0]
            return None if cost is None else (cost - NAMED_BONUS, {0: 0})
        # A minimum-cost assignment (the Hungarian method) over the identities and one "none" for each
        # part. Each naming earns NAMED_BONUS, more than any cost can be, so the cheapest assignment
        # names as many parts as can be named, then the cheapest way; trying every naming instead grew
        # as n!/(n-k)! (a signing clip's blob split into a dozen pieces beside a dozen identities hung).
        n_parts, n_ids = len(parts), len(identities)
        matrix = np.full((n_parts, n_ids + n_parts), _CANNOT)
        matrix[:, n_ids:] = 0.0
        for p, row in enumerate(costs):
            for i, cost in enumerate(row):
                if cost is not None:
                    matrix[p, i] = cost - NAMED_BONUS
        if keep_own:
            if not n_parts or not n_ids or costs[0][0] is None:
                return None
            matrix[0, :] = _CANNOT
            matrix[0, 0] = costs[0][0] - NAMED_BONUS
        rows, cols = linear_sum_assignment(matrix)
        named = {int(p): int(i) for p, i in zip(rows, cols) if i < n_ids and costs[p][i] is not None}
        if not named:
            return None
        return sum(costs[p][i] for p, i in named.items()) - NAMED_BONUS * len(named), named

    @staticmethod
    def _cost(det: Detection, g: LostIdentity, t: float, heading: tuple[float, float] | None = None) -> float | None:
        """How unlike `det` is of the identity `g` (None where it cannot be it): look, size, where it
        was heading, and, where the part's own velocity is known (`heading`: the blob's track's), how
        unlike the identity's it is."""
        look = look_distance(g, det)
        size = abs(math.log(box_area(det.box) / box_area(g.box)))
        if look > LOST_COLOUR or size > math.log(SWELL):
            return None
        dist, gate = reach(g, det, t)
        place = min(1.0, dist / gate)
        cost = look / LOST_COLOUR + size / math.log(SWELL) + POSITION_WEIGHT * place
        if heading is not None:
            # Two walkers dressed alike part at a crossing, one walking on, one standing: the looks
            # cannot tell them, their motions can (vtest.avi, decoded 340-360: a walker passed one
            # who stood, the pair's blob kept the stander's id and walked off with the passer-by,
            # looks 30 and 35 apart, place alike; the stander came back new). The difference of the
            # velocities relative to their sum: 0 for one motion, about 1 for a walker against one
            # standing or walking the other way; MOVING keeps two slow noisy ones from reading apart.
            vx, vy = heading
            differ = math.hypot(vx - g.vx, vy - g.vy) / (math.hypot(vx, vy) + math.hypot(g.vx, g.vy) + MOVING)
            cost += HEADING_WEIGHT * min(1.0, differ)
        return cost

    @staticmethod
    def _holds_another(part: Detection, idents: list[LostIdentity], t: float) -> bool:
        """Does the blob still hold another thing as large as its own, one that went in and has not come
        out, and that by its own motion could be where the blob is? Then the blob is not over though it
        is one thing's size: one of the two is in front of the other. (A slow stroller passed by a
        walker, their blob one walker's size while they overlap, was taken for one thing under one id
        and its look grew slowly to the pair's; when they parted, one came out under a new id.) A
        smaller thing noted inside (a fragment of a walker dropped beside it, in vtest.avi) does not
        hold it open."""
        own = idents[0]
        for g in idents[1:]:
            if abs(math.log(max(1.0, g.area) / max(1.0, own.area))) > math.log(SWELL):
                continue
            dist, gate = reach(g, part, t)
            if dist <= gate:
                return True
        return False

    @staticmethod
    def _shrunk_below_look(track, part: Detection, look: LostIdentity) -> bool:
        """Is the blob smaller than the look it is measured against, in this sighting and in its recent
        sizes (the track's median of seven), seen whole (not at the view's edge)?"""
        if part.touches_border:
            return False
        return box_area(part.box) * GROWN < box_area(look.box) and track.area * GROWN < look.area

    @staticmethod
    def _alone(det: Detection, look: LostIdentity) -> bool:
        ratio = box_area(det.box) / box_area(look.box)
        return 1.0 / GROWN <= ratio <= GROWN

    def _settle(self, track, t: float, known: LostIdentity | None = None) -> None:
        """The blob is sorted out (or given up on): its look is the one its identity had alone (`known`),
        else what it shows now. (Still larger than that look, it is a merged blob again at its next
        sighting.)"""
        track.extras.pop("merge", None)
        track.extras["look"] = self._look(track, track.extras["part"], t) if known is None else known

    @staticmethod
    def _look(track, det: Detection, t: float) -> LostIdentity:
        return LostIdentity(track.id, track.first_seen, t, det.x, det.y, track.vx, track.vy, track.radius, det.area,
                            np.asarray(det.colour, np.float32).copy(),
                            None if det.top is None else np.asarray(det.top, np.float32).copy(),
                            None if det.bottom is None else np.asarray(det.bottom, np.float32).copy(),
                            tuple(float(v) for v in det.box))

    @staticmethod
    def _blend(look: LostIdentity, track, det: Detection, t: float) -> LostIdentity:
        def mix(old, new):
            if old is None or new is None:
                return None if new is None else np.asarray(new, np.float32).copy()
            return (1 - LOOK_RATE) * old + LOOK_RATE * np.asarray(new, np.float32)

        box = tuple((1 - LOOK_RATE) * a + LOOK_RATE * b for a, b in zip(look.box, det.box))
        # Its size and box follow slowly (a thing coming closer grows), its place and pace are the latest.
        return LostIdentity(look.id, look.first_seen, t, det.x, det.y, track.vx, track.vy, track.radius,
                            (1 - LOOK_RATE) * look.area + LOOK_RATE * det.area, mix(look.colour, det.colour),
                            mix(look.top, det.top), mix(look.bottom, det.bottom), box)
