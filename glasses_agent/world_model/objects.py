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
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from glasses_agent.world_model.foreground import FG_THRESHOLD, BackgroundModel, Detection, colour_distance, exact_median
from glasses_agent.world_model.identity import LostIdentities, LostIdentity
from glasses_agent.world_model.merged_blobs import MergedBlobs

COLOUR_MATCH = 45.0  # a pixel this close to a track's colour shows that track
OCCLUDER_MATCH = 40.0
CONFIRM_FRAMES = 3  # a track is trusted (and can be surprising) after this many sightings
WARMUP_FRAMES = 5  # no surprise while the background model settles
MISSING_DROP = 8  # frames an expected object may be missing before its track is dropped
HIDDEN_DROP_S = 6.0
OUT_OF_VIEW_DROP_S = 120.0
CALM_SPAN = 10  # frames over which the view must mostly be calm for tracks' growth to mean approach
SALIENT_CONTRAST = 55.0  # tracks that stand out less (shadows, clutter, noise) never surprise
STEADY_SIGHTINGS = 5  # whole sightings a path must have before it is carried behind an occluder ...
STEADY_SPAN_S = 0.4  # ... over this long at least
STEADY_FIT = 0.2  # ... lying within this much of its radius of a straight, even-paced line (rms)
STEADY_GAP_S = 0.35  # ... with no longer gap between them
STEADY_PACE = 0.5  # ... at a pace within this share of the velocity it is carried with (the last, partial
# sightings as it goes behind something pull that velocity by a quarter on the generated pairs)


@dataclass
class Track:
    """One thing the object memory follows: its place and velocity, size, appearance, and whether it is
    visible, hidden or out of view."""

    id: int
    x: float
    y: float
    vx: float
    vy: float
    radius: float
    area: float  # the area when fully visible (work px)
    colour: np.ndarray
    fill: float
    aspect: float
    first_seen: float
    last_seen: float
    box: tuple[int, int, int, int]
    seen: int = 1
    state: str = "visible"  # visible | hidden | out_of_view
    hidden_since: float = 0.0
    occluder_colour: np.ndarray | None = None
    missing: int = 0
    pending_check: int = 0  # frames left to compare appearance after coming back from hiding
    last_area: float = 0.0
    approach: float = 0.0  # d log(area) / dt, smoothed
    born_in_open: bool = False
    contrast: float = 0.0
    shrinking: bool = False  # its last sighting showed less of it than a whole: going behind something
    extras: dict = field(default_factory=dict)
    path: list = field(default_factory=list)  # recent (t, x, y) of whole sightings, for velocity
    top: np.ndarray | None = None  # colour of its upper and lower halves (identity.looks_apart)
    bottom: np.ndarray | None = None

    def fit_velocity(self) -> bool:
        """Least-squares velocity over the recent whole sightings; False when too few."""
        if len(self.path) < 3 or self.path[-1][0] - self.path[0][0] < 0.15:
            return False
        t, x, y = (np.array(v, np.float64) for v in zip(*self.path))
        t = t - t.mean()
        denom = float((t * t).sum())
        self.vx = float((t * (x - x.mean())).sum() / denom)
        self.vy = float((t * (y - y.mean())).sum() / denom)
        return True

    @property
    def confirmed(self) -> bool:
        return self.seen >= CONFIRM_FRAMES

    @property
    def trusted(self) -> bool:
        """Followed long enough, moving steadily, standing out and rigid (its size steady, unlike a
        walking person's outline): only then is its absence or change a surprise."""
        areas = self.extras.get("whole_areas", [])
        middle = float(np.median(areas)) if areas else 0.0
        rigid = len(areas) >= 3 and float(np.median(np.abs(np.asarray(areas) - middle))) <= 0.08 * middle
        return (len(self.path) >= 3 and rigid and self.contrast >= SALIENT_CONTRAST
                and math.hypot(self.vx, self.vy) >= 5.0)

    @property
    def steady(self) -> bool:
        """Its recent whole sightings lie on a straight line at an even pace (within STEADY_FIT of
        its radius) over STEADY_SPAN_S at least: a thing coasting, not a hand or a walker that turns
        and stops. Only such a path can be carried behind an occluder and held to: a person's hand
        by their head, followed for three sightings, went "hidden" and then "missing" at z 28 on
        intel/one-by-one-person-detection (and walkers on vtest at z 10-17)."""
        if len(self.path) < STEADY_SIGHTINGS or self.path[-1][0] - self.path[0][0] < STEADY_SPAN_S:
            return False
        t, x, y = (np.array(v, np.float64) for v in zip(*self.path))
        if float(np.diff(t).max()) > STEADY_GAP_S:
            return False  # seen whole only now and then: its pace in between is not known
        design = np.stack([np.ones_like(t), t - t.mean()], axis=1)
        places = np.stack([x, y], axis=1)
        coef, *_ = np.linalg.lstsq(design, places, rcond=None)  # one fit for x and y: rows start, pace
        residual = float(((design @ coef - places) ** 2).mean(axis=0).sum())
        # And the velocity it would be carried with is the one those sightings show (a thing seen
        # whole while still, then only in part as it rushed off, has no pace to hold it to).
        pace_x, pace_y = float(coef[1, 0]), float(coef[1, 1])
        agrees = math.hypot(pace_x - self.vx, pace_y - self.vy) <= STEADY_PACE * max(math.hypot(self.vx, self.vy), 5.0)
        return agrees and math.sqrt(residual) <= STEADY_FIT * max(self.radius, 2.0)

    def predict(self, dt: float) -> tuple[float, float]:
        return self.x + self.vx * dt, self.y + self.vy * dt


@dataclass(frozen=True)
class Violation:
    """What the object memory did not expect of a track (missing, teleport, changed, popup), how much and
    where."""

    kind: str  # missing | teleport | changed | popup
    magnitude: float
    where: tuple[float, float]  # fractions of the view
    track_id: int


@dataclass(frozen=True)
class ObjectStep:
    """What one frame did to the object memory."""

    violations: tuple[Violation, ...]
    error: float  # object-level prediction error this frame (violations + benign misses)
    shift: tuple[float, float]  # image shift since the previous frame (work px), head motion


class ObjectMemory:
    """Tracks of objects across frames; feed frames in time order with `step`."""

    def __init__(self) -> None:
        self.tracks: list[Track] = []
        self.view = BackgroundModel()
        self.frames = 0
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
        foreground_share = float(foreground.mean())
        if foreground_share > 0.5:
            # The whole picture changed (lights, a cut, a fast turn): start the background over.
            self.view.start(img)
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
        x0, y0, x1, y1 = track.box
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

    def _footprint(self, img: np.ndarray, x: float, y: float, r: float,
                   ahead: tuple[float, float] | None = None) -> np.ndarray:
        """The pixels of a disc of 0.8 r around (x, y); with `ahead` (a direction), only its leading half."""
        h, w = img.shape[:2]
        r = max(2.0, r * 0.8)
        x0, x1 = int(max(0, math.floor(x - r))), int(min(w, math.ceil(x + r) + 1))
        y0, y1 = int(max(0, math.floor(y - r))), int(min(h, math.ceil(y + r) + 1))
        if x0 >= x1 or y0 >= y1:
            return np.zeros((0, 3), np.float32)
        # A row and a column of offsets broadcast to the box: the same values as np.mgrid's full
        # grids, without its overhead (~15 us a call, ~10 calls a tick on the gopro walk).
        dx = np.arange(x0, x1)[None, :] + 0.5 - x
        dy = np.arange(y0, y1)[:, None] + 0.5 - y
        inside = dx ** 2 + dy ** 2 <= r * r
        if ahead is not None and math.hypot(*ahead) > 0:
            inside &= dx * ahead[0] + dy * ahead[1] >= 0
        return img[y0:y1, x0:x1][inside]

    def _in_view(self, x: float, y: float, margin: float = 0.0) -> bool:
        w, h = self.size
        return -margin <= x < w + margin and -margin <= y < h + margin

    def _frac(self, x: float, y: float) -> tuple[float, float]:
        w, h = self.size
        return (min(1.0, max(0.0, x / w)), min(1.0, max(0.0, y / h)))

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
            if unshown and track.confirmed and not track.extras.get("named"):
                self._name_late(track, det, t)  # the last sighting before its id is shown, the most whole
            self.merges.seen(track, det, t)
            if track.confirmed and not was_hidden:
                benign += 0.03 * min(norm, 1.0)  # small misses of the constant-velocity guess
        for ti, track in enumerate(self.tracks):
            if ti not in used_t:
                violations += self._unmatched(img, track, t, predicted[track.id])
        # Identities of dropped tracks, for a newcomer that is one of them (identity.py), and of the
        # parts of a blob two things shared when it splits (merged_blobs.py): ids only, nothing here
        # changes what is matched, dropped or surprising.
        for tr in self.tracks:
            if tr.extras.get("drop") and (tr.confirmed or tr.extras.get("named")) and tr.state != "out_of_view":
                self.merges.dropped(tr, self.tracks, t)
        newcomers = [(di, det) for di, det in enumerate(detections) if di not in used_d]
        given = self.merges.sort_out([tr for tr in self.tracks if not tr.extras.get("drop")], newcomers, t, self._fresh_id)
        for di, det in newcomers:
            violations += self._new_track(det, t, given.get(di))
        self.tracks = [tr for tr in self.tracks if not tr.extras.get("drop")]
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
        return [Violation("changed", min(change, 6.0), self._frac(det.x, det.y), track.id)]

    def _unmatched(self, img: np.ndarray, track: Track, t: float, pred: tuple[float, float]) -> list[Violation]:
        px, py = pred
        if track.state == "out_of_view":
            if t - track.last_seen > OUT_OF_VIEW_DROP_S:
                track.extras["drop"] = True
            return []
        if not self._in_view(px, py, margin=-0.3 * track.radius):
            track.state = "out_of_view"
            track.x, track.y = px, py
            return []
        pixels = self._footprint(img, px, py, track.radius)
        if len(pixels) == 0:
            track.state = "out_of_view"
            return []
        shows = float((colour_distance(pixels, track.colour) < COLOUR_MATCH).mean())
        if track.state == "visible":
            if not track.confirmed:
                track.extras["drop"] = True
                return []
            if shows >= 0.5:  # still there, only absorbed into the background (it stopped)
                track.vx *= 0.5
                track.vy *= 0.5
                track.path = []
                return []
            if not (track.trusted and track.shrinking and track.steady):
                # Gone at once, not covered bit by bit: lost by the detector, not hidden. Or its
                # path was no straight coast: where it would come out is anyone's guess.
                track.extras["drop"] = True
                return []
            # The mask taken within the disc first, then made float: not the whole frame each call.
            covering = self._footprint(self._foreground[..., None], px, py, track.radius).astype(np.float32)
            if float(covering.mean()) > 0.3:
                # Behind something that moves (a passer-by): where it comes out is anyone's guess.
                track.extras["drop"] = True
                return []
            track.state = "hidden"
            track.hidden_since = t
            track.occluder_colour = np.median(pixels, axis=0)
            return []
        # Hidden: should it be seen by now? Only where its occluder no longer covers its place.
        if t - track.hidden_since > HIDDEN_DROP_S:
            track.extras["drop"] = True
            return []
        # Judged on the leading half of where it should be: the trailing half is where a track
        # that lags the object (a velocity fitted a little low while it went in) expects it to
        # still show, and there the background next to the occluder was taken for "missing"
        # (a plausible occlusion scene, 15.6 px/s fitted as 11.2). An object that should have
        # come out shows its leading half first, so permanence is judged as early as before.
        pixels = self._footprint(img, px, py, track.radius, ahead=(track.vx, track.vy))
        if len(pixels) == 0:
            return []
        open_view = colour_distance(pixels, track.occluder_colour) >= OCCLUDER_MATCH
        expected = float(open_view.mean())
        if expected < 0.25:
            return []
        uncovered = pixels[open_view]
        if float((colour_distance(uncovered, track.colour) < COLOUR_MATCH).mean()) >= 0.4:
            return []  # it is coming out (too little of it yet to be detected)
        # Absence shows as the background where the thing should be. Something else standing
        # there (another passer-by it came out beside, a blob it merged with) says nothing about
        # it: on vtest a walker passing behind the lamp-post sign came out next to another and
        # was reported "missing" for half a second (z 10-18).
        ahead = (track.vx, track.vy)
        in_front = self._footprint(self._foreground[..., None], px, py, track.radius, ahead=ahead).astype(np.float32)
        if len(in_front) == len(pixels) and float(in_front[open_view].mean()) > 0.5:
            return []
        track.missing += 1
        if track.missing > MISSING_DROP:
            track.extras["drop"] = True
            return []
        contrast = float(colour_distance(np.median(uncovered, axis=0), track.colour))
        magnitude = expected * min(3.0, contrast / 50.0)
        return [Violation("missing", magnitude, self._frac(px, py), track.id)] if magnitude > 0.3 else []

    def _name_late(self, track: Track, det: Detection, t: float) -> None:
        """A track born under a fresh id, confirmed now and not shown yet: is it a dropped thing after
        all? A thing the detector found again often shows as a sliver first (its legs, a head above a
        parked car), too small to be known by its size at birth; a sighting or two later it is whole
        (vtest.avi, decoded 212: a walker lost at 211 came back as a third of its size and got a new
        id). Ids only: what is matched, dropped or surprising is unchanged."""
        known = self.lost.claim(det, t)
        if known is not None:
            track.id, track.first_seen = known.id, known.first_seen
            track.extras["named"] = True

    def _fresh_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _new_track(self, det: Detection, t: float, known: LostIdentity | None = None) -> list[Violation]:
        """A track for a detection no track took; `known`: the identity it is already known to have
        (a part of a blob that split)."""
        out: list[Violation] = []
        r = math.sqrt(det.area / math.pi) * 1.1
        track = Track(id=0, x=det.x, y=det.y, vx=0.0, vy=0.0, radius=r, area=det.area,
                      colour=det.colour.copy(), fill=det.fill, aspect=det.aspect, first_seen=t, last_seen=t, box=det.box,
                      last_area=det.area, born_in_open=not det.touches_border, contrast=det.contrast,
                      top=None if det.top is None else det.top.copy(), bottom=None if det.bottom is None else det.bottom.copy())
        if track.born_in_open and self.frames > WARMUP_FRAMES:
            # Like a hidden object, but far from where that one can be: it jumped.
            twins = [tr for tr in self.tracks if tr.state == "hidden" and tr.trusted
                     and float(colour_distance(tr.colour, det.colour)) < 50 and 0.5 < det.area / tr.area < 2.0
                     and det.contrast >= SALIENT_CONTRAST]
            if twins:
                twin = min(twins, key=lambda tr: math.hypot(tr.x - det.x, tr.y - det.y))
                px, py = twin.predict(t - twin.last_seen)
                excess = math.hypot(det.x - px, det.y - py) / self._gate(twin, t)
                out.append(Violation("teleport", min(6.0, 1.0 + excess), self._frac(det.x, det.y), twin.id))
                # The jumper is the hidden one, seen again: keep its identity.
                twin.x, twin.y, twin.state, twin.last_seen, twin.box = det.x, det.y, "visible", t, det.box
                twin.missing = 0
                twin.seen += 1
                if known is not None:
                    self.lost.keep(known, t)  # not this one's after all
                return out
        if known is None:
            known = self.lost.claim(det, t)  # a thing dropped a moment ago, found again: its identity
        if known is not None:
            track.id, track.first_seen = known.id, known.first_seen
            track.extras["named"] = True  # kept if dropped before it is confirmed: the identity is not lost
        else:
            track.id = self._fresh_id()
        self.tracks.append(track)
        return out
