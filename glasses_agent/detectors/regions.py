"""A second looming cue: a coherent region, tracked tick to tick, whose size grows exponentially.

While the wearer walks the whole view changes, so "where did the image change" (looming.py)
finds scenery as readily as an approaching thing. What sets an approaching object apart is that
its own image grows exponentially: its size s over ds/dt is the time to contact, and it falls
below a second or two only for something about to hit. Scenery seen from a walking wearer
expands slowly (1-2 m/s against metres of distance) and head turns only shift it.

So: cut the reduced frame into regions of even colour (low colour gradient, 4-connected), keep
those wholly inside the view (a region cut by the frame edge changes size as the head turns),
follow each by colour and position across ticks, and fit a robust line to its log size over
about a second. A thing of nearly the colour of the scenery behind it (a dark thing against dark
foliage, a light one over a light floor) runs into it as one sprawling patch; such patches are
cut again where the colour steps more gently, and the compact pieces are followed too (the cutting:
region_segments.py). Growth per second is the inverse time to contact; the score rises with it, as
far as the growth is steady (its scatter is small) and the region is big enough to matter.
"""

from __future__ import annotations

import functools
import math
from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np

from glasses_agent.detectors.base import (TAU_TOLERANCE, Looming, agreed_now, confirmed_tau, fast_tau, passing_by, robust_line,
                                          seen_bigger_before, strongest, time_to_contact, urgency)
from glasses_agent.detectors.place_readings import Reading
from glasses_agent.detectors.region_segments import (COLOUR_TOL, Region, colour_distance, inside_view, lab_frame, make_region,
                                                     regions, segmentation)
from glasses_agent.detectors.scale_match import appearance_match, scale_tau
from glasses_agent.detectors.uncovered import SceneMemory

MOVE_TOL = 0.2  # centre movement per tick (fraction of the view's diagonal) a track may make
KEEP_NS = 350_000_000  # a track survives this long unseen (a tick where the region touched a neighbour)
WINDOW_NS = 1_200_000_000  # sizes older than this do not enter the growth fit
MIN_POINTS = 6  # sightings in the window before the growth is trusted
MIN_SIZE = 0.2  # equivalent diameter (fraction of view height) under which nothing is near enough
GROWTH_FLOOR = 0.5  # size growth per second below which nothing is coming (time to contact over 2 s)
GROWTH_FULL = 0.6  # growth per second that scores 1 (time to contact under ~1.7 s)
MAX_RESIDUAL = 0.15  # median log-size scatter around the fit at which trust reaches zero
# Time to contact is read off a shorter span, so it is due within a few ticks of the approach.
TAU_WINDOW_NS = 500_000_000  # sizes this recent enter the time-to-contact fit
TAU_POINTS = 4  # sightings in that span before a time to contact is given (and it must grow through them)
TAU_GREW = 1.1  # growth over the span under which no fit is made (tau ~4 s or more: no hazard soon)
TAU_MIN_SIZE = 0.05  # equivalent diameter under which a region is too few pixels to time
AXES_AGREE = 1.6  # the box's width and height must each give a time to contact within this factor of the size's
TAU_MAX_SCATTER = 0.06  # relative scatter of 1/size around the fit above which the time is not given
SAME_SIZE = (0.7, 1.6)  # a region between these multiples of a track's last size may continue it
# Share of a region's pixels whose source in the earlier frame (by the appearance's match) showed
# the region's colour, from which its appearance was read against the region itself (_there_share):
# nearly all, as for uncovered background (uncovered.UNCOVERED_SHARE). Flown things read 0.84-1.0
# on the tuning draws; background whose earlier frame showed a block's edge over it, 0.62.
THERE_SHARE = 0.8
# An even piece of a textured thing (`_piece_rank`) is matched over its box widened by this: about
# half the thing across on the tuning draws, a box half again as wide takes in more of its texture
# (seed 2's box.mp4 crop, matched around its piece: 1.9-2.8 s at a true 2.9-2.0 s, where the piece's
# own box read 2.0-3.2 s).
PIECE_BOX = 1.5
PIECE_FOLLOW_NS = 150_000_000  # a piece whose appearance read growth this recently is followed first


@dataclass
class _Track:
    colour: tuple[float, float, float]
    center: tuple[float, float]
    last_ns: int
    sightings: deque = field(default_factory=lambda: deque(maxlen=16))  # (t_ns, size, box, extent)
    taus: deque = field(default_factory=deque)  # (t_ns, time to contact) of the last ticks
    look_taus: deque = field(default_factory=deque)  # (t_ns, time to contact from its appearance's scale)
    piece_ns: int = -1  # when it was last matched as a piece of a textured thing (`_piece_rank`; -1: never)
    # `passing_by` over the sightings of TAU_WINDOW_NS, kept with the newest sighting it was asked
    # for (`_passing`): _look_growth, _piece_rank and _tau each ask it of the same ones in a tick.
    passing: tuple[tuple | None, bool] = (None, False)


class RegionGrowthCue:
    """Tracks even-coloured regions across frames; the one whose size grows fastest (a short time to
    contact) is the cue."""

    def __init__(self) -> None:
        self._tracks: list[_Track] = []
        self._shape: tuple[int, ...] | None = None
        self._memory = SceneMemory()  # earlier frames: was a growing region there before (uncovered)?
        self.strongest: Looming | None = None  # this frame's highest-scoring cue (fastest steady growth)
        self._last_tick_ns: int | None = None  # the tick before this one (whatever the tick rate)
        self._readings: list[Reading] = []  # this tick's raw readings (`readings`)

    def reset(self) -> None:
        self._tracks.clear()
        self._memory.reset()
        self.strongest = None
        self._last_tick_ns = None

    def update(self, image: np.ndarray, t_ns: int,
               frames_for_scale: tuple[np.ndarray, np.ndarray, float, np.ndarray] | None = None) -> Looming | None:
        """Feed the newest reduced RGB frame; returns the cue for the fastest-growing region.
        `frames_for_scale`: this frame in grey and an earlier one shifted onto it, with the lag and
        that earlier frame in colour (`LoomingCue.frames_for_scale`), to time a growing region by
        its appearance too."""
        self.strongest = None
        self._readings = []
        if image.ndim != 3:
            return None  # colour is what holds a region together
        if image.shape != self._shape:
            self._shape = image.shape
            self.reset()
        seg = segmentation(image)
        unseen = self._match(regions(image, seg), t_ns)
        for track in unseen:
            self._refind(track, seg[:2], t_ns)
        # Two appearance matches a tick at most (~0.2 ms each; a walk's scenery offers one or two
        # regions that pass the outline's gates): the region whose outline grew most over the span,
        grown = [(g, k) for k, tr in enumerate(self._tracks) if (g := _look_growth(tr, t_ns)) > 0]
        looked = self._tracks[max(grown)[1]] if grown and frames_for_scale is not None else None
        # and a region that may be an even piece of a textured thing (`_piece_rank`), matched over
        # its box widened by PIECE_BOX, so that the thing's texture around it is matched too.
        pieces = [(r, k) for k, tr in enumerate(self._tracks) if tr is not looked and (r := _piece_rank(tr, t_ns)) is not None]
        piece = self._tracks[max(pieces)[1]] if pieces and frames_for_scale is not None else None
        if piece is not None:
            piece.piece_ns = t_ns
        best: Looming | None = None
        for track in self._tracks:
            cue = self._growth(track, t_ns, seg[0], frames_for_scale if track is looked or track is piece else None,
                               widen=PIECE_BOX if track is piece else 1.0)
            self._readings += [(track.sightings[-1][2], tau, functools.partial(
                self._memory.was_there, seg[0], t_ns, track.sightings[-1][2], track.colour, tau))
                for tau in _raw_readings(track, t_ns)]
            if cue is not None and math.isfinite(cue.tau_s) and self._memory.was_there(
                    seg[0], t_ns, cue.box, track.colour, cue.tau_s):
                # Background a passer-by moved off, not a thing coming: no time to contact.
                cue = Looming(score=cue.score, box=cue.box, growth_per_s=cue.growth_per_s) if cue.score > 0 else None
            self.strongest = strongest(self.strongest, cue)
            if cue is not None and (best is None or urgency(cue) > urgency(best)):
                best = cue
        self._memory.remember(t_ns, seg[0])
        return best

    def readings(self) -> list[Reading]:
        """This tick's raw time-to-contact readings (the outline's and the appearance's, finite,
        before any confirming), each with its region's box and whether it is background a passer-by
        uncovered (`SceneMemory.was_there`, as the cue asks of its own confirmed estimates; asked
        only of a reading about to be confirmed): for `place_readings`."""
        return self._readings

    def _match(self, found: list[Region], t_ns: int) -> list[_Track]:
        """Carry tracks on to this tick's regions; returns the tracks that found none."""
        self._tracks = [tr for tr in self._tracks if t_ns - tr.last_ns <= KEEP_NS]
        last_tick, self._last_tick_ns = self._last_tick_ns, t_ns
        pairs = []
        for i, r in enumerate(found):
            for j, tr in enumerate(self._tracks):
                dc = math.dist(r.colour, tr.colour)
                dp = math.dist(r.center, tr.center)
                # (a region of another size is another thing: a patch the track's thing ran into)
                grew = r.size / tr.sightings[-1][1]
                # A track unseen last tick is taken up again only within its own size of where
                # it was (a thing that touched a neighbour for a tick parts from it about there):
                # a region as far off as a tick's move is another thing of its colour.
                near = MOVE_TOL if tr.last_ns == last_tick else tr.sightings[-1][1]
                if dc <= COLOUR_TOL and dp <= near and SAME_SIZE[0] <= grew <= SAME_SIZE[1]:
                    pairs.append((dc / COLOUR_TOL + dp / MOVE_TOL, i, j))
        used_r: set[int] = set()
        used_t: set[int] = set()
        for _, i, j in sorted(pairs):
            if i in used_r or j in used_t:
                continue
            used_r.add(i)
            used_t.add(j)
            self._see(self._tracks[j], found[i], t_ns)
        for i, r in enumerate(found):
            if i not in used_r:
                tr = _Track(colour=r.colour, center=r.center, last_ns=t_ns)
                self._see(tr, r, t_ns)
                self._tracks.append(tr)
        return [tr for j, tr in enumerate(self._tracks) if j not in used_t and tr.last_ns != t_ns]

    def _refind(self, track: _Track, lab_flat: tuple[np.ndarray, np.ndarray], t_ns: int) -> None:
        """Look for a tracked region by its own colour where it was last seen.

        As a thing grows it comes to touch scenery of a similar brightness and the even-colour
        patches run together; the thing's own colour still tells it apart, so cut the patch
        around its last centre down to the pixels within COLOUR_TOL of that colour.
        """
        if len(track.sightings) < 3:
            return  # a new track is not worth a search of its own
        labf, flat = lab_flat
        h, w = flat.shape
        cx, cy = int(track.center[0] * w), int(track.center[1] * h)
        if not (0 <= cx < w and 0 <= cy < h):
            return
        colour = np.float32(track.colour)
        if not flat[cy, cx] or np.linalg.norm(labf[cy, cx] - colour) > COLOUR_TOL / 2:
            return  # checked on one pixel first: most lost tracks end here, before a whole-frame pass
        mask = ((colour_distance(labf, colour) <= COLOUR_TOL / 2) & (flat > 0)).astype(np.uint8)
        n, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=4)
        k = int(labels[cy, cx])
        x, y, bw, bh, area = (int(v) for v in stats[k])
        last_size = track.sightings[-1][1]
        size = math.sqrt(4 * area / math.pi) / h
        if not inside_view(x, y, bw, bh, area, w, h) or not SAME_SIZE[0] * last_size <= size <= SAME_SIZE[1] * last_size:
            return  # not the same thing any more (or not all of it in view)
        mine = labels == k
        mean = tuple(float(v) for v in labf[mine].mean(axis=0))
        ys, xs = np.nonzero(mine)
        self._see(track, make_region(x, y, bw, bh, area, centroids[k], mean, w, h, (float(xs.std()), float(ys.std()))), t_ns)

    @staticmethod
    def _see(track: _Track, r: Region, t_ns: int) -> None:
        track.colour, track.center, track.last_ns = r.colour, r.center, t_ns
        track.sightings.append((t_ns, r.size, r.box, r.extent))

    @staticmethod
    def _growth(track: _Track, t_ns: int, lab: np.ndarray,
                frames_for_scale: tuple[np.ndarray, np.ndarray, float, np.ndarray] | None = None,
                widen: float = 1.0) -> Looming | None:
        """The track's cue this tick (`lab`: this frame in Lab, as segmented; `widen`: the box its
        appearance is matched over, as a multiple of the region's own)."""
        if track.last_ns != t_ns:
            return None  # not seen this tick: no box to point at
        shape = lab.shape[:2]
        outline = _tau(track, t_ns, shape)
        look, match = math.inf, None
        if frames_for_scale is not None:
            look, match = _look_tau(track, t_ns, *frames_for_scale[:3], widen=widen)
        # The appearance's own estimates, confirmed over ticks, speak alone: there two measures of
        # one thing's growth must agree, and where the outline gives its own estimate, an
        # appearance that reads otherwise is a thing changing shape. (Both at once, the slower
        # speaks: `agreed_now`.)
        own_look = look
        if math.isfinite(outline) and math.isfinite(look) and abs(look - outline) > TAU_TOLERANCE * max(outline, 0.5):
            own_look = math.inf
        tau = confirmed_tau(track.taus, t_ns, outline)
        if not math.isfinite(tau):
            tau = _closing_all_along(track, t_ns)
        if not math.isfinite(tau):  # the outline's first estimate, where the appearance reads it too
            tau = agreed_now(outline, look, track.sightings, t_ns, within_s=WINDOW_NS / 1e9)
            if math.isfinite(tau) and _there_share(track, lab, match, frames_for_scale[3]) < THERE_SHARE:
                tau = math.inf  # the appearance was read against something other than the region
        if not math.isfinite(tau):
            tau = fast_tau(track.sightings, t_ns)  # big and swelling fast: no time to confirm
        if frames_for_scale is not None:
            tau = min(tau, confirmed_tau(track.look_taus, t_ns, own_look))
        recent = [s for s in track.sightings if t_ns - s[0] <= WINDOW_NS]
        score, growth = 0.0, 0.0
        if len(recent) >= MIN_POINTS and recent[-1][1] >= MIN_SIZE and _grows_through(recent):
            t = np.array([(s[0] - recent[0][0]) / 1e9 for s in recent])
            growth, resid = robust_line(t, np.log([s[1] for s in recent]))
            # Growing on one axis (a shadow lengthening, a patch that ran into its neighbour
            # along one side) is not coming closer: the same check as the time to contact's.
            # (and growth the newest span no longer bears out is stale: `_still_growing`)
            if growth >= GROWTH_FLOOR and _both_axes(recent, shape) and _still_growing(track, t_ns):
                score = min(1.0, growth / GROWTH_FULL) * max(0.0, 1.0 - resid / MAX_RESIDUAL)
        if score <= 0.0 and not math.isfinite(tau):
            return None
        return Looming(score=float(score), box=track.sightings[-1][2], growth_per_s=float(max(growth, 0.0)), tau_s=tau)


def _tau(track: _Track, t_ns: int, shape: tuple[int, int]) -> float:
    """The track's time to contact over the last TAU_WINDOW_NS (inf: not growing, too few or too
    small sightings, sizes too scattered to time, or a box that does not grow on both axes)."""
    short = [s for s in track.sightings if t_ns - s[0] <= TAU_WINDOW_NS]
    if len(short) < TAU_POINTS or short[-1][1] < TAU_MIN_SIZE or short[-1][1] < TAU_GREW * short[0][1]:
        return math.inf  # (grown too little over the span for a short time to contact: most regions end here)
    if not _grows_through(short):
        return math.inf
    t = np.array([(s[0] - short[0][0]) / 1e9 for s in short])
    tau, scatter = time_to_contact(t, np.array([s[1] for s in short]))
    if scatter > TAU_MAX_SCATTER or not _both_axes(short, shape) or _passing(track, short):
        return math.inf
    return tau


def _raw_readings(track: _Track, t_ns: int) -> list[float]:
    """The track's outline and appearance estimates of this tick, the finite ones, before any confirming."""
    return [history[-1][1] for history in (track.taus, track.look_taus)
            if history and history[-1][0] == t_ns and math.isfinite(history[-1][1])]


def _closing_all_along(track: _Track, t_ns: int) -> float:
    """This tick's time to contact when the one before agrees with it (aged as `confirmed_tau`
    ages it) and the track's whole recent history fits it; inf otherwise.

    A small thing is a region only from ~7-8 px across, and then needs four sightings for an
    estimate and two more agreeing ones (`confirmed_tau`): about 0.5 s, most of the time between
    2.2 s to contact and the deadline. What the extra agreeing ticks guard against is scenery whose
    outline jumps (a patch that takes in a strip of its neighbour, a gap between two passers-by
    widening); such a patch was there before at about its present size, which nothing closing
    at this time to contact was: at WINDOW_NS's older sightings, a thing closing at a steady speed
    with time to contact tau now had size s_now * tau / (tau + dt) (speeding up: smaller still).
    A track seen only since it came near enough has no such sightings: its two estimates do
    (a thing that stood still and then comes waits for the TAU_AGREE agreeing ones). It takes
    two such sightings in a row: a small thing's size jitters by a pixel (one sighting 5% big),
    and a widening gap between passers-by, which a single sighting let in at 7-10% slack, is
    background uncovered (`uncovered`)."""
    if len(track.taus) < 2:
        return math.inf
    (t_prev, prev), (_, now) = track.taus[-2], track.taus[-1]
    if not (math.isfinite(prev) and math.isfinite(now)) or t_ns - t_prev > 150_000_000:
        return math.inf
    tol = TAU_TOLERANCE * max(now, 0.5)
    if not prev - (t_ns - t_prev) / 1e9 - tol <= now <= prev + tol:
        return math.inf
    if seen_bigger_before(track.sightings, track.sightings[-1][1], t_ns, now, within_s=WINDOW_NS / 1e9, in_row=2):
        return math.inf
    return now


def _grows_through(sightings: list) -> bool:
    """Bigger mid-span than at its start, and bigger now than mid-span: a thing closing in grows
    all along; one step between two steady sizes (a patch that took in a neighbour's strip), or a
    size that jumped up and fell back, is not closing in, however the line through it slopes."""
    return sightings[0][1] < sightings[len(sightings) // 2][1] < sightings[-1][1]


def _still_growing(track: _Track, t_ns: int) -> bool:
    """Whether the track's sightings over the span its time to contact is read over (TAU_WINDOW_NS)
    still grow at GROWTH_FLOOR or more (the same robust line as the steady growth's, over that
    span), where it holds TAU_POINTS sightings (fewer: too few to tell, taken as growing).

    The steady growth is fitted over WINDOW_NS, more than twice as long, so a thing that stopped
    growing (it halted, or fills the view and is held there) keeps the slope of its earlier sizes
    for up to half a second after: it is not closing in, and that growth is stale. A thing that
    does close in at a steady speed grows faster as it comes (its growth is 1 / time to contact),
    so its newest span grows faster than the whole window's fit, never slower."""
    short = [s for s in track.sightings if t_ns - s[0] <= TAU_WINDOW_NS]
    if len(short) < TAU_POINTS:
        return True
    t = np.array([(s[0] - short[0][0]) / 1e9 for s in short])
    return robust_line(t, np.log([s[1] for s in short]))[0] >= GROWTH_FLOOR


def _both_axes(short: list, shape: tuple[int, int]) -> bool:
    """A thing coming closer grows on both axes alike; a patch of floor or shadow that stretches
    (or runs into a neighbour along one side) does not. Each axis of the region's extent (its
    pixels' spread, not its box: a box's sides are whole pixels and jump when a thin strip of a
    neighbour joins; timing each side of the box on its own threw out a third of the estimates
    of real approaches over real footage) must grow over the span by the size's growth within a
    factor AXES_AGREE (log scale), give or take a pixel."""
    grew = math.log(short[-1][1] / short[0][1])
    for k, px in ((0, shape[1]), (1, shape[0])):
        first = (short[0][3][k] + short[1][3][k]) / 2  # two sightings each end: half the jitter
        last = (short[-1][3][k] + short[-2][3][k]) / 2
        axis = math.log(max(last, 1e-6) / max(first, 1e-6))
        slack = 1.0 / max(px * first, 1.0)  # one pixel, as a log change of this side
        if not grew / AXES_AGREE - slack <= axis <= grew * AXES_AGREE + slack:
            return False
    return True


def _passing(track: _Track, short: list) -> bool:
    """`passing_by` over `short`, the track's sightings of the last TAU_WINDOW_NS as of its newest:
    asked once a sighting (the outline's gates, the piece's rank and the time to contact ask it of
    the same sightings in one tick; ~0.1 ms a tick on a walk's scenery)."""
    newest = short[-1]
    if track.passing[0] is not newest:
        track.passing = (newest, passing_by([(s[0] - short[0][0]) / 1e9 for s in short], [s[2] for s in short]))
    return track.passing[1]


def _look_growth(track: _Track, t_ns: int) -> float:
    """How much a region seen this tick grew over TAU_WINDOW_NS, if it passes the outline's own
    gates for a time to contact (`_tau`: TAU_POINTS sightings, TAU_MIN_SIZE, grown by TAU_GREW
    and all along, not passing by); 0 otherwise (most regions, every tick)."""
    short = [s for s in track.sightings if t_ns - s[0] <= TAU_WINDOW_NS]
    if track.last_ns != t_ns or len(short) < TAU_POINTS or short[-1][1] < TAU_MIN_SIZE:
        return 0.0
    grew = short[-1][1] / short[0][1]
    if grew < TAU_GREW or not _grows_through(short):
        return 0.0
    return 0.0 if _passing(track, short) else grew


def _piece_rank(track: _Track, t_ns: int) -> tuple[bool, int, float] | None:
    """Whether a region seen this tick may be an even piece of a textured thing coming closer, and
    its turn to be matched (higher first: one whose appearance read growth on its last match, then
    the one matched as a piece longest ago, then the one grown most over TAU_WINDOW_NS); None: not one.

    A textured thing breaks into even pieces whose outlines grow more slowly than the thing, and by
    fits and starts (a piece takes in, or loses, a strip of the texture beside it), so few pass the
    outline's gates (`_look_growth`); the thing's texture, matched around such a piece, grows as the
    thing does. Asked only of a piece followed over TAU_POINTS sightings of the span, not smaller
    now than at its start, and not passing by; one whose appearance read growth on the tick before
    is followed first, so that its estimates come a tick apart, as a confirmation needs; the others
    take turns (scenery offers several such pieces a tick, and a piece's growth says little)."""
    short = [s for s in track.sightings if t_ns - s[0] <= TAU_WINDOW_NS]
    if track.last_ns != t_ns or len(short) < TAU_POINTS or short[-1][1] < TAU_MIN_SIZE:
        return None
    last = track.look_taus[-1] if track.look_taus else None
    followed = last is not None and math.isfinite(last[1]) and t_ns - last[0] <= PIECE_FOLLOW_NS
    if not followed and short[-1][1] < short[0][1]:
        return None  # (a followed piece's outline may well jitter down a tick)
    if _passing(track, short):
        return None
    return followed, -track.piece_ns, short[-1][1] / short[0][1]


def _look_tau(track: _Track, t_ns: int, before: np.ndarray, now: np.ndarray,
              lag_s: float, widen: float = 1.0) -> tuple[float, tuple[float, tuple[float, float]] | None]:
    """A growing region's time to contact from how much its appearance grew over the lag
    (`scale_match`; the region passed `_look_growth`, or it is a piece's turn, `_piece_rank`): a
    region is even-coloured, but the thing it is a piece of may not be (a patch of a printed or
    real object), and its outline then grows more slowly than the thing does. Matched over the
    region's box widened `widen` times about its centre. With the match it came from
    (`appearance_match`; None: none)."""
    x, y, w, h = track.sightings[-1][2]
    box = (x - (widen - 1) * w / 2, y - (widen - 1) * h / 2, widen * w, widen * h)
    match = appearance_match(before, now, box)
    return scale_tau(None if match is None else match[0], lag_s), match


def _there_share(track: _Track, lab: np.ndarray, match: tuple[float, tuple[float, float]] | None,
                 before_rgb: np.ndarray) -> float:
    """The share of the region's pixels (within COLOUR_TOL / 2 of its colour, in its box) for which
    the earlier frame the appearance was matched against showed the region's colour where the
    match took them from, or a pixel from there (0 with no match).

    A thing closing in was there then, smaller: the match takes each of its pixels from a point of
    its own earlier image (nearer its centre: inside it still where the scale reads high). A region
    that something else covered then (background a thing moved off, seen while the view expands,
    which `uncovered` cannot withdraw) has its appearance compared with whatever covered it, and
    an edge of that can pass for the region's own edge made bigger."""
    if match is None:
        return 0.0
    h, w = lab.shape[:2]
    x, y, bw, bh = track.sightings[-1][2]
    x0, y0 = int(round(x * w)), int(round(y * h))  # (the box as `appearance_match` cuts it)
    x1, y1 = int(round((x + bw) * w)), int(round((y + bh) * h))
    colour = np.float32(track.colour)
    ys, xs = np.nonzero(colour_distance(lab[y0:y1, x0:x1], colour) <= COLOUR_TOL / 2)
    if len(xs) == 0:
        return 0.0
    scale, (dx, dy) = match
    cx, cy = (x0 + x1 - 1) / 2.0, (y0 + y1 - 1) / 2.0
    sx = np.clip(np.rint(cx + (xs + x0 - cx) / scale + dx), 0, w - 1).astype(np.intp)
    sy = np.clip(np.rint(cy + (ys + y0 - cy) / scale + dy), 0, h - 1).astype(np.intp)
    # Within a pixel: the drift is read in whole steps of the match's window (up to a pixel of
    # the earlier frame), and a small thing's earlier image is a few blurred pixels.
    near = cv2.erode(colour_distance(lab_frame(before_rgb), colour), np.ones((3, 3), np.uint8))
    return float(np.mean(near[sy, sx] <= COLOUR_TOL / 2))
