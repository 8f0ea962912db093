"""Object memory: tracks of things in view that persist behind occluders and out of view.

Why this exists: a world model that only predicts the next latent from the last one gets object
permanence backwards (DESIGN.md, second micro experiment): an object coming out from behind a
bar is a bigger change than an object that never comes out. So the world model also keeps the
things it has seen as tracks (position, constant velocity, colour, shape, size) and carries a
hidden one forward. Its expectations are then checked against each frame:

    permanence  a hidden object's predicted place is no longer covered by its occluder, yet the
                object is not there                                   -> "missing"
    continuity  an object like a hidden one appears far from where the hidden one can be
                                                                      -> "teleport"
    constancy   a hidden object comes back with another colour or shape -> "changed"

Each violation is a (magnitude, where) pair; benign frames give small position errors. The
detector is classical and cheap (foreground.py): a background model kept aligned with head turns,
and connected components of what differs from it, on frames shrunk to <= 160 px. A track dropped
when the detector lost its thing for a moment, and born again, keeps its identity (identity.py):
only the entities' ids change, nothing of what is matched or surprising.

Here: matching tracks to each frame's detections. One track's record (velocity, confirmed, trusted,
steady) is tracks.py's; what a track no detection took means (hidden, missing, gone) is unmatched.py's.
"""

from __future__ import annotations

import math

import numpy as np

from glasses_agent.world_model.foreground import (FG_THRESHOLD, STABLE_FRAMES, BackgroundModel, Detection, colour_distance,
                                                  exact_median, true_share)
from glasses_agent.world_model.identity import LostIdentities, LostIdentity, reidentify
from glasses_agent.world_model.merged_blobs import MergedBlobs
from glasses_agent.world_model.tracks import CONFIRM_FRAMES, SALIENT_CONTRAST, ObjectStep, Track, Violation, view_fraction
from glasses_agent.world_model.unmatched import judge_unmatched

TWIN_COLOUR = 50.0  # a newcomer this close in colour to a hidden track (and of its size) may be it
WARMUP_FRAMES = 5  # no surprise while the background model settles
CALM_SPAN = 10  # frames over which the view must mostly be calm for tracks' growth to mean approach


def turning_reach(track: Track, t: float) -> float:
    """How far from where a hidden track was last seen its thing can be by `t` (work px), whichever
    way it went: its size's gate (as a visible track's) and its whole pace over the time since, not
    half of it along its way, since a hidden thing may have turned (a hand turns back)."""
    return 1.5 * track.radius + 4.0 + math.hypot(track.vx, track.vy) * max(0.0, t - track.last_seen)


def jumped(twin: Track, det: Detection, t: float, detections: list[Detection]) -> bool:
    """Whether a newcomer like the hidden `twin` can only be it having jumped: it lies beyond where a
    thing of its pace could have got to, turning as it liked, and nothing else in view looks as much
    like it (another of its size as near in colour: the signer's other hand, their face), so that it
    is the twin or nothing. On asl-book_01 a hand hidden a tick and a hand-coloured blob 30 px behind
    where it was going (1.09 of its gate) was taken for a jump of it (z 20.2) where the hand had only
    turned back; on voe_dev a walker hidden 0.3 s came out 68 px on, 2.3 turning reaches (a jump)."""
    if math.hypot(det.x - twin.x, det.y - twin.y) <= turning_reach(twin, t):
        return False
    likeness = float(colour_distance(det.colour, twin.colour))
    return not any(other is not det and 0.5 < other.area / twin.area < 2.0
                   and float(colour_distance(other.colour, twin.colour)) <= likeness for other in detections)


def _take_identity(track: Track, known: LostIdentity) -> None:
    """`track` is the thing `known` was: its id and first sighting. Marked named, so that a track dropped
    before it is confirmed keeps the identity rather than losing it, and is not named again."""
    track.id, track.first_seen = known.id, known.first_seen
    track.extras["named"] = True


class ObjectMemory:
    """Tracks of objects across frames; feed frames in time order with `step`."""

    def __init__(self) -> None:
        self.tracks: list[Track] = []
        self.view = BackgroundModel()
        self.frames = 0
        self._background_from = 0  # the frame its background model was (re)started from
        self.scale = 1.0
        self.size = (0, 0)  # work (width, height)
        self.pan = np.zeros(2)  # total image shift since the start (work px): head motion so far
        self._next_id = 1
        self.lost = LostIdentities()  # dropped tracks' identities, for a newcomer that is one of them
        self.merges = MergedBlobs(self.lost)  # who is who when a blob two things shared splits
        self._last_t: float | None = None
        self._calm = True
        self._calm_recent: list[bool] = []  # the last CALM_SPAN frames: did the background model hold?

    # -- public --------------------------------------------------------------------------------

    def reset(self) -> None:
        self.__init__()

    def step(self, image: np.ndarray, t: float, work: np.ndarray | None = None) -> ObjectStep:
        """Update with the RGB frame at stream time `t` (seconds). `work`: the frame already shrunk by
        `work_image` (the world model shrinks each frame once for every part), else shrunk here."""
        img = self.view.work_image(image) if work is None else work
        h, w = img.shape[:2]
        dt = 0.1 if self._last_t is None else max(1e-3, t - self._last_t)
        self._last_t = t
        if not self.view.fits(img):
            self.reset()
            self._last_t = t
            self.view.start(img)
            self.size = (w, h)
            self.scale = w / image.shape[1]
            self.frames = 1
            return ObjectStep((), 0.0, (0.0, 0.0))
        self.frames += 1
        shift = self.view.align(img)
        if shift != (0.0, 0.0):
            self._pan(*shift)
        diff = colour_distance(img, self.view.background)
        foreground = diff > FG_THRESHOLD
        foreground_share = true_share(foreground)
        if foreground_share > 0.5:
            # The whole picture changed (lights, a cut, a fast turn): start the background over.
            self.view.start(img)
            self._background_from = self.frames
            for track in self.tracks:
                if track.state == "visible":
                    track.state = "out_of_view"
            return ObjectStep((), 0.0, shift)
        detections = self.view.detect(img, foreground, diff)
        # A shaky or cluttered frame (much of it unlike the background) is no ground for surprise.
        self._calm = foreground_share < 0.12
        self._calm_recent = (self._calm_recent + [self._calm])[-CALM_SPAN:]
        self._foreground = foreground
        self.view.update(img, foreground, diff)
        violations, benign = self._associate(img, detections, t, dt)
        if self.frames - self._background_from == STABLE_FRAMES:
            # By now the background has taken in whatever stood still where those things stood: no
            # ghost is left beside them.
            for track in self.tracks:
                track.extras.pop("on_its_ghost", None)
        self.view.previous = img
        if self.frames <= WARMUP_FRAMES or not self._calm:
            violations = []
        error = sum(v.magnitude for v in violations) + benign
        return ObjectStep(tuple(violations), float(error), shift)

    @property
    def steady(self) -> bool:
        """The background model has held the view for most of the last second. While it has not
        (walking: the gopro walk is calm in 2 of its 105 frames; a fast turn; a cut), boxes grow
        and shrink with the view, so a track's `approach` says nothing about a thing coming."""
        return sum(self._calm_recent) * 2 > len(self._calm_recent)

    def visible_tracks(self) -> list[Track]:
        return [t for t in self.tracks if t.confirmed and t.state == "visible"]

    def box_fraction(self, track: Track) -> tuple[float, float, float, float]:
        w, h = self.size
        # A blob known to hold two: the box of its own thing within it, not the pair's.
        own = None if self._last_t is None else self.merges.own_box(track, self._last_t)
        x0, y0, x1, y1 = track.box if own is None else own
        return (max(0.0, x0 / w), max(0.0, y0 / h), min(1.0, (x1 - x0) / w), min(1.0, (y1 - y0) / h))

    # -- pieces --------------------------------------------------------------------------------

    def _pan(self, dx: float, dy: float) -> None:
        """The view moved by (dx, dy) work px (a head turn): carry the tracks with it."""
        self.pan += (dx, dy)
        self.lost.shift(dx, dy)
        for track in self.tracks:
            track.x += dx
            track.y += dy
            track.path = [(t, x + dx, y + dy) for t, x, y in track.path]

    def _gate(self, track: Track, t: float) -> float:
        away = t - track.last_seen
        return 1.5 * track.radius + 4.0 + 0.5 * math.hypot(track.vx, track.vy) * away

    def _associate(self, img: np.ndarray, detections: list[Detection], t: float, dt: float
                   ) -> tuple[list[Violation], float]:
        violations: list[Violation] = []
        benign = 0.0
        predicted = {}
        for track in self.tracks:
            if track.state == "hidden":
                predicted[track.id] = track.predict(t - track.last_seen)
            else:
                predicted[track.id] = track.predict(dt)
        pairs = []
        # Which detections can be near which tracks, all pairs at once: squared distances within
        # the gate widened by a hair, so that no pair the exact test below keeps is lost. The exact
        # test then runs on those few only (the gopro walk's ~46 tracks and ~26 detections made
        # ~1200 pairs a tick to test one by one).
        looking = [ti for ti, track in enumerate(self.tracks) if track.state != "out_of_view"]
        gates = [self._gate(self.tracks[ti], t) for ti in looking]
        centres = np.array([predicted[self.tracks[ti].id] for ti in looking], np.float64).reshape(-1, 1, 2)
        places = np.array([(det.x, det.y) for det in detections], np.float64).reshape(1, -1, 2)
        offsets = places - centres
        beyond = (offsets[..., 0] ** 2 + offsets[..., 1] ** 2) > (np.array(gates).reshape(-1, 1) * (1 + 1e-6)) ** 2
        for row, di in zip(*(index.tolist() for index in np.nonzero(~beyond))):
            ti, gate = looking[row], gates[row]
            track, det = self.tracks[ti], detections[di]
            px, py = predicted[track.id]
            dist = math.hypot(det.x - px, det.y - py)
            if dist > gate:  # most pairs: their colour is never needed (~2 ms a tick on the gopro walk)
                continue
            colour = float(colour_distance(det.colour, track.colour))
            # A track just out of hiding shows as a sliver first, whose median colour is mostly
            # its anti-aliased edge (measured: white 236 seen as 175): no colour gate until its
            # appearance has been checked, or the sliver starts a new track and the old one is
            # reported missing where it is plainly coming out (plausible occlusion scenes).
            if track.state == "visible" and colour > 90 and not track.pending_check:
                continue
            pairs.append((dist / gate + colour / 120.0, ti, di, dist / gate))
        pairs.sort()
        used_t, used_d = set(), set()
        for _, ti, di, norm in pairs:
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            track, det = self.tracks[ti], detections[di]
            was_hidden = track.state == "hidden"
            unshown = not track.confirmed  # its id has not been shown yet (entities are confirmed tracks)
            violations += self._update(track, det, t, dt, predicted[track.id], was_hidden)
            if unshown and track.confirmed:
                if not track.extras.get("named"):
                    self._name_late(track, det, t)  # the last sighting before its id is shown, the most whole
                else:  # named at birth; if out of a merged blob, now that its heading is known, is it one of those in it?
                    self.merges.confirmed(track, det, t, self._fresh_id)
            self.merges.seen(track, det, t, self.size)
            if track.confirmed and not was_hidden:
                benign += 0.03 * min(norm, 1.0)  # small misses of the constant-velocity guess
        for ti, track in enumerate(self.tracks):
            if ti not in used_t:
                violations += judge_unmatched(track, img, self._foreground, t, predicted[track.id], self.size)
        # Identities of dropped tracks, for a newcomer that is one of them (identity.py), and of the
        # parts of a blob two things shared when it splits (merged_blobs.py): ids only, nothing here
        # changes what is matched, dropped or surprising.
        for tr in self.tracks:
            if tr.extras.get("drop") and (tr.confirmed or tr.extras.get("named")) and tr.state != "out_of_view":
                self.merges.dropped(tr, self.tracks, t)
        newcomers = [(di, det) for di, det in enumerate(detections) if di not in used_d]
        given = self.merges.sort_out([tr for tr in self.tracks if not tr.extras.get("drop")], newcomers, t, self._fresh_id)
        for di, det in newcomers:
            violations += self._new_track(det, t, given.get(di), detections)
        self.tracks = [tr for tr in self.tracks if not tr.extras.get("drop")]
        self._reidentify(t)
        return violations, benign

    def _update(self, track: Track, det: Detection, t: float, dt: float, pred: tuple[float, float],
                was_hidden: bool) -> list[Violation]:
        out: list[Violation] = []
        # Coming out from behind something, a sliver's centre is not the object's: keep the
        # prediction. (Entering at the border there is no prediction yet: follow the sliver.)
        if not det.touches_border:
            # The median of recent sizes: a few frames half behind something (or merged with a
            # ghost) do not move it; a lasting change (an approach, a split from a ghost) does.
            areas = track.extras.setdefault("areas", [])
            areas.append(det.area)
            del areas[:-7]
            track.area = float(exact_median(areas))
        whole = not det.touches_border and det.area >= 0.85 * track.area
        track.contrast = det.contrast if track.seen == 1 else 0.8 * track.contrast + 0.2 * det.contrast
        track.shrinking = not whole and not det.touches_border
        partial = (not whole and not det.touches_border and len(track.path) >= 3
                   and math.hypot(det.x - pred[0], det.y - pred[1]) < 1.5 * track.radius)
        if was_hidden:
            # Hidden for a moment only (a flicker of the detector, not a pass behind something):
            # nothing to compare.
            track.pending_check = 10 if t - track.hidden_since >= 0.15 else 0
            track.state = "visible"
            track.missing = 0
        if partial:
            track.x, track.y = pred
        else:
            span = max(dt, t - track.last_seen)
            fitted = False
            if whole and det.area >= 0.93 * track.area:  # only a whole object's centre is unbiased
                track.path = (track.path + [(t, det.x, det.y)])[-8:]
                track.extras["whole_areas"] = (track.extras.get("whole_areas", []) + [det.area])[-7:]
                fitted = track.fit_velocity()
            if not fitted and track.seen >= 2 and not was_hidden:
                track.vx = 0.6 * track.vx + 0.4 * (det.x - track.x) / span
                track.vy = 0.6 * track.vy + 0.4 * (det.y - track.y) / span
            elif not fitted and track.seen == 1:
                track.vx, track.vy = (det.x - track.x) / span, (det.y - track.y) / span
            track.x, track.y = det.x, det.y
        if track.pending_check:
            out += self._compare_appearance(track, det)
        if not partial and not det.touches_border and not track.pending_check:
            if track.last_area > 0:
                rate = math.log(det.area / track.last_area) / max(dt, 1e-3)
                track.approach = 0.7 * track.approach + 0.3 * rate
            track.colour = 0.8 * track.colour + 0.2 * det.colour
            if det.top is not None and det.bottom is not None:
                fresh = track.top is None or track.bottom is None
                track.top = det.top.copy() if fresh else 0.8 * track.top + 0.2 * det.top
                track.bottom = det.bottom.copy() if fresh else 0.8 * track.bottom + 0.2 * det.bottom
            track.fill = 0.8 * track.fill + 0.2 * det.fill
            track.aspect = 0.8 * track.aspect + 0.2 * det.aspect
            track.radius = math.sqrt(track.area / math.pi) * 1.1
        track.last_area = det.area
        track.box = det.box
        track.last_seen = t
        track.seen += 1
        return out

    def _compare_appearance(self, track: Track, det: Detection) -> list[Violation]:
        """After a track comes back from hiding: is it still what went in?"""
        change = 0.0
        # Compared with its size when last seen whole: `track.area` follows the slivers it showed
        # while going behind the bar, so against it a sliver coming out passed for a third of the
        # object and its edge colour for a new colour (a false "changed" in plausible scenes).
        whole_area = float(np.median(track.extras.get("whole_areas") or [track.area]))
        if det.area >= 0.6 * whole_area and not det.touches_border:
            # A sliver's median colour is mostly its edges (a white disc 40% out measured 199 for
            # 236): judge colour once more than half of it is out.
            colour = float(colour_distance(det.colour, track.colour))
            change = max(0.0, colour - 40.0) / 40.0
        # Shape once it is wholly out: as wide (relative to tall) as it went in, and not growing.
        settled = (det.area >= 0.85 * whole_area  # a 4x5 px sliver can have the right aspect by chance
                   and abs(math.log(max(det.aspect, 1e-3) / max(track.aspect, 1e-3))) < 0.2 and not det.touches_border
                   and abs(det.area - track.last_area) < 0.2 * det.area)
        if settled:
            change = max(change, max(0.0, abs(det.fill - track.fill) - 0.08) / 0.07)
            track.pending_check = 0
        else:
            track.pending_check -= 1
        if change <= 0.5 or not track.trusted:
            return []
        # Reported once: the track takes on its new look.
        track.pending_check = 0
        track.colour, track.fill, track.area, track.aspect = det.colour.copy(), det.fill, det.area, det.aspect
        return [Violation("changed", min(change, 6.0), view_fraction(self.size, det.x, det.y), track.id)]

    def _name_late(self, track: Track, det: Detection, t: float) -> None:
        """A track born under a fresh id, confirmed now and not shown yet: is it a dropped thing after
        all? A thing the detector found again often shows as a sliver first (its legs, a head above a
        parked car), too small to be known by its size at birth; a sighting or two later it is whole
        (vtest.avi, decoded 212: a walker lost at 211 came back as a third of its size and got a new
        id). Ids only: what is matched, dropped or surprising is unchanged."""
        known = self.lost.claim(det, t)
        if known is not None:
            _take_identity(track, known)

    def _reidentify(self, t: float) -> None:
        """Newborn tracks seen this step whose ids are not shown yet (or shown first now, just confirmed),
        born under a fresh id: is one of them an identity dropped a moment ago, which `claim` turned away
        (identity.reidentify)? Ids only."""
        young = [tr for tr in self.tracks if not tr.extras.get("named") and tr.seen <= CONFIRM_FRAMES
                 and tr.last_seen == t and tr.state == "visible"]
        seen = [tr.extras.get("part") or tr for tr in young]  # its latest sighting (at birth: the track is it)
        entered = [not tr.born_in_open for tr in young]  # born at the view's border: came into view there
        for r, known in reidentify(self.lost, seen, t, entered, self.size).items():
            _take_identity(young[r], known)

    def _fresh_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _new_track(self, det: Detection, t: float, known: LostIdentity | None = None,
                   detections: list[Detection] = ()) -> list[Violation]:
        """A track for a detection no track took; `known`: the identity it is already known to have
        (a part of a blob that split); `detections`: all of this frame's, for look-alikes of a hidden
        one it may be."""
        out: list[Violation] = []
        r = math.sqrt(det.area / math.pi) * 1.1
        track = Track(id=0, x=det.x, y=det.y, vx=0.0, vy=0.0, radius=r, area=det.area,
                      colour=det.colour.copy(), fill=det.fill, aspect=det.aspect, first_seen=t, last_seen=t, box=det.box,
                      last_area=det.area, born_in_open=not det.touches_border, contrast=det.contrast,
                      top=None if det.top is None else det.top.copy(), bottom=None if det.bottom is None else det.bottom.copy())
        if track.born_in_open and self.frames > WARMUP_FRAMES:
            # Like a hidden object, but far from where that one can be: it jumped.
            twins = [tr for tr in self.tracks if tr.state == "hidden" and tr.trusted
                     and float(colour_distance(tr.colour, det.colour)) < TWIN_COLOUR and 0.5 < det.area / tr.area < 2.0
                     and det.contrast >= SALIENT_CONTRAST]
            if twins:
                twin = min(twins, key=lambda tr: math.hypot(tr.x - det.x, tr.y - det.y))
                if not jumped(twin, det, t, detections):
                    twins = []
            if twins:
                px, py = twin.predict(t - twin.last_seen)
                excess = math.hypot(det.x - px, det.y - py) / self._gate(twin, t)
                out.append(Violation("teleport", min(6.0, 1.0 + excess), view_fraction(self.size, det.x, det.y), twin.id))
                # The jumper is the hidden one, seen again: keep its identity.
                twin.x, twin.y, twin.state, twin.last_seen, twin.box = det.x, det.y, "visible", t, det.box
                twin.missing = 0
                twin.seen += 1
                if known is not None:
                    self.lost.keep(known, t)  # not this one's after all
                return out
        if self.frames - self._background_from <= WARMUP_FRAMES:
            # The background was started from a frame with this thing in it: where it stood is still
            # "background", so when it moves on, its blob is it and the place it left for a while
            # (merged_blobs: its first look is not its own).
            track.extras["on_its_ghost"] = True
        if known is not None:  # out of a merged blob: which blob, until its heading is known
            track.extras["out_of"] = self.merges.came_out.get(known.id)
        else:
            known = self.lost.claim(det, t)  # a thing dropped a moment ago, found again: its identity
        if known is not None:
            _take_identity(track, known)
        else:
            track.id = self._fresh_id()
        self.tracks.append(track)
        return out
