"""Out of view: what left the view is kept, carried with the head's motion, and looked for when it comes back.

The object memory (objects.py) and the slots (slots.py) follow things that move against the
background; a thing that stands still is part of the background to them, and once the view pans
away from it nothing of it is kept. Yet a cup that was on the table when the wearer looked away
should still be there when they look back; if it is gone, that is news.

So each tick, the parts of the last frame that the head's motion (egomotion.py's homography, the
one estimator) takes out of the view are kept as small patches (CELL px templates of the grey work
frame), where nothing in them moves on its own (the motion extrapolation's own-motion field: a hand,
a passer-by, even a corner of one, will have left; where a fast pan takes pixels out of the view the
flow errs, so pixels that read as moving but look as they did a frame before, where the head's
motion puts them, are still) and where there is something to recognise
(texture, not a blank wall). Every tick each kept patch is carried by the head's motion, as the
view is. When one is back wholly in view it is looked for by normalised cross-correlation within
SEARCH_PX of where it should be; the chain of homographies drifts (up to ~10 px over a pan and
back on the tuning pairs), so where the clearly found ones were found re-anchors the rest: each is
then judged within ANCHOR_PX of there, and those still out follow. Found: it is forgotten. Not
found on CHECKS ticks running, and what shows there now is the bare surface that surrounded it
(its border's colour, and less texture than it had): it is gone. A patch not found where the view
shows something as busy as it was is the same scene a little askew (a walk's parallax, the light);
one where something flat of another colour shows is covered, not gone. Where the place is as busy
as it was (a thing that sat on a strong edge or on a textured surface), the thing is judged by its
outline instead: the pixels that changed since it left now show the colours of the unchanged ones
around them, where before they stood out from them.

A patch of real footage is sometimes not found although nothing is gone (a signer's arm that moved
while the view was away, the light, the parallax of a walk). So a gone patch is weighed by how
often this clip's returning patches were not found before it (its ordinary wobble): the chance of
a miss is (misses + 1) / (returns + 2), and a group of neighbouring gone patches (one thing, a few
patches wide) is as surprising as that chance raised to their number, in nats, given as a z
(sqrt(2 nats), the slots' convention). A clip where everything comes back finds one thing gone at
z 2.5-4; one where half the patches do not is not alarmed by a few more.

Measured on the tuning half's own pairs (pixel channels alone): out of view 5 of 12 against 3,
no control over the prompt's bar; it raises nothing on voe_dev's or the generated pairs' clips.
With the outline (the whole world model, replayed on cached inputs): out of view 8 of 12 against
7, the pan-away-and-back controls as before (highest z 1.3). With the look test for stillness and
the drift pooled over the last ticks: 10 of 12 (the held-out second set 7 against 6), that
control's z 1.67 (docs/world-model-notes.md, "Out of view again").
A tick where the head's motion is not known (a frame with nothing to follow) holds what is kept
for up to HOLD_S, but the chain then misses however the head moved: every kept patch is unsure, and
none is judged until reanchor.py has found them again (clear finds agreeing on one offset) as they
come back; those not found again are forgotten, not judged (docs/world-model-notes.md, oov7).
Nothing is kept while the view is not believed to move: the cost is then a few array operations a
tick; with a pan, ~0.1-0.25 ms of thread CPU (the grid's centres carried, a handful of small
template matches).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from glasses_agent.world_model.egomotion import warp_by_homography
from glasses_agent.world_model.foreground import nearest_colour_distance
from glasses_agent.world_model.reanchor import reanchor

CELL = 16  # px of the work frame: a patch (an object 10-30% of the view's height is 9-27 px tall)
STRIDE = 8  # px between patches: neighbours overlap by half
SEARCH_PX = 12  # a returning patch is looked for this far around where it should be
MIN_TEXTURE = 8.0  # grey levels (std) a patch needs to be recognisable
STILL_PX_S = 4.0  # the fastest own motion in a patch (work px/s, the head's taken out) for it to count as still
# Grey levels a pixel must differ from its look a frame before (where the head's motion puts it) to have moved.
MOVED_GREY = 10.0
MOVED_SHARE = 0.01  # of a patch's pixels (a pixel or two: noise) that may both read fast and have changed in a still patch
FOUND_NCC = 0.8  # normalised cross-correlation at which a patch is found
PLAIN_RATIO = 0.5  # a missed patch is a thing gone when what shows there now has less texture than this share of its own
RING_PX = 3  # the border of a patch whose colour is what surrounded its middle
RING_MATCH = 30.0  # RGB distance within which two colours are one surface
THING_SHARE = 0.15  # of a patch's pixels changed (and as much unchanged) for a thing in it to be judged by its outline
THING_CONTRAST = 2 * RING_MATCH  # RGB distance by which a thing's pixels stood out from the surface around them
CHECKS = 2  # ticks running a patch must be missed before it is gone (a blur, a passer-by)
KEEP_S = 10.0  # a patch out of view longer than this is forgotten
HOLD_S = 0.5  # s the head's motion may go unknown before what is kept is forgotten (the view held away, a blur)
MAX_KEPT = 400
MIN_SHIFT_PX = 0.5  # px a tick the view must move for its edge to take things out of it
ANCHOR_NCC = 0.8  # a patch found this clearly tells where the rest should be ...
ANCHOR_PX = 3  # ... and each is then looked for within this of there
DRIFT_FOUND = 2  # patches found so clearly on one tick before their offsets re-anchor the rest ...
DRIFT_PX = 1.5  # ... and only an offset this large (a pixel is the search's own wobble)
EDGE_PX = 2  # a patch is back once it lies this far inside the view
GROUP_PX = CELL  # gone patches this close belong to one thing
RECENT_S = 0.5  # ... and gone within this long of each other (one thing's patches come back over a few ticks)
Z_CAP = 25.0
_SPAN = np.arange(CELL)
_RING = np.ones((CELL, CELL), np.float32)  # a patch's border, RING_PX wide: what surrounded its middle
_RING[RING_PX:-RING_PX, RING_PX:-RING_PX] = 0


@dataclass
class KeptPatch:
    """A piece of the view that left it: where it is now (work px, may lie outside the view), how it looked."""

    centre: np.ndarray
    template: np.ndarray
    left_at: float
    gone_out: bool = False  # wholly out of the view once (a patch that comes straight back is no test)
    ring: np.ndarray | None = None  # mean colour of its border: what surrounded the middle
    misses: int = 0
    colour: np.ndarray | None = None  # (CELL, CELL, 3) how it looked in colour: the thing's outline is read from it
    # Kept before ticks without the head's motion and not found again since: where it is, is not
    # known, so it is never judged (reanchor.py); `back_at`: when the chain first put it back in view;
    # `refound`: where it was found clearly then, as an offset from where the chain put it.
    unsure: bool = False
    back_at: float | None = None
    refound: np.ndarray | None = None


@dataclass(frozen=True)
class Gone:
    """Things that should have been back in view and are not: the strongest group's z and place."""

    z: float
    where: tuple[float, float]  # fractions of the view
    patches: int


@dataclass
class OutOfViewMemory:
    """Feed each tick's work frame (colour), time, head motion and own-motion field to `step`."""

    kept: list[KeptPatch] = field(default_factory=list)
    returns: int = 0  # patches that came back and were looked for
    misses: int = 0  # ... and were not found
    recent: list[tuple[float, np.ndarray]] = field(default_factory=list)  # (when, where) of the last gone patches
    _previous: np.ndarray | None = None
    _before: np.ndarray | None = None  # the grey frame before `_previous` ...
    _before_head: np.ndarray | None = None  # ... and the head's motion from it to `_previous`
    # (when, offset) of the patches found clearly since the last re-anchoring
    _found: list[tuple[float, np.ndarray]] = field(default_factory=list)
    _grid: np.ndarray | None = None
    _unknown_since: float | None = None  # when the head's motion went unknown (None: known on the last tick)

    def reset(self) -> None:
        """Forget everything (a new recording)."""
        self.__init__()

    def step(self, work: np.ndarray, t: float, homography: np.ndarray | None,
             own: np.ndarray | None = None) -> Gone | None:
        """This tick's gone things (None: none). `work`: the world model's work frame (float RGB); `homography`:
        the head's motion from the last frame to this one in work px (None when not believed); `own`:
        the last frame's own-motion field (H, W, 2; work px/s), when known."""
        work = np.clip(work, 0, 255).astype(np.float32, copy=False)
        grey = cv2.cvtColor(work, cv2.COLOR_RGB2GRAY)
        previous, self._previous = self._previous, (grey, work)
        if previous is None or previous[0].shape != grey.shape:
            self.reset()
            self._previous = (grey, work)
            return None
        before, self._before = self._before, previous[0]
        before_head, self._before_head = self._before_head, homography
        if homography is None:
            # Where the head went this tick is not known (a frame with nothing to follow: a hand over
            # the lens, a blur): nothing new is kept and nothing judged, but what is kept stays where
            # it was, for a while. Forgotten at once, a single such tick while the view was held away
            # lost everything kept before it (tune-pairs3 box_12; docs/world-model-notes.md, "Out of
            # view, a third time"); the search and its re-anchoring find the kept patches again if
            # the head moved a little meanwhile, not if it moved on for long.
            if self._unknown_since is None:
                self._unknown_since = t
                self._start_gap()
            if t - self._unknown_since > HOLD_S:
                self.kept = []
            return None
        self._unknown_since = None
        carried = np.zeros((0, 2))
        if self.kept:
            centres = np.array([k.centre for k in self.kept], np.float64).reshape(-1, 1, 2)
            carried = cv2.perspectiveTransform(centres, homography).reshape(-1, 2)
            for k, c in zip(self.kept, carried):
                k.centre = c
        sure = np.array([not k.unsure for k in self.kept], bool)
        self._keep_leaving(*previous, homography, own, t, carried[sure], (before, before_head))
        if not sure.all():
            # (reanchor.py) found again: sure, and judged from here on; back too long without that: forgotten.
            self.kept = reanchor(self.kept, grey, t, cell=CELL, inside_px=EDGE_PX, least_ncc=ANCHOR_NCC,
                                 anchor_px=ANCHOR_PX, least=DRIFT_FOUND, reach=SEARCH_PX - ANCHOR_PX,
                                 stride=STRIDE, wait_s=RECENT_S)
        return self._judge(grey, work, t)

    def _start_gap(self) -> None:
        """The head's motion went unknown: every kept patch is now where the chain put it before the
        gap, off by however the head moves until the motion is known again. Patches still unsure from
        an earlier gap would be off by two unknowns: forgotten."""
        self.kept = [k for k in self.kept if not k.unsure]
        for k in self.kept:
            k.unsure, k.back_at, k.refound = True, None, None
        self._found = []  # the drift pooled before the gap was measured from where they stood then

    # -- pieces --------------------------------------------------------------------------------

    def _keep_leaving(self, previous: np.ndarray, colour: np.ndarray, homography: np.ndarray, own: np.ndarray | None,
                      t: float, taken: np.ndarray, before: tuple[np.ndarray | None, np.ndarray | None]) -> None:
        """Keep the still, textured patches of the last frame (grey and `colour`) that this tick's motion
        takes out of view; `taken`: where the kept ones are now; `before`: the grey frame before the last
        and the head's motion from it to the last (None: not known)."""
        h, w = previous.shape
        half = CELL / 2
        if self._grid is None or self._grid.shape[0] != len(range(0, h - CELL + 1, STRIDE)) * len(range(0, w - CELL + 1, STRIDE)):
            ys, xs = np.mgrid[half:h - half + 1:STRIDE, half:w - half + 1:STRIDE]
            self._grid = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float64)
        moved = cv2.perspectiveTransform(self._grid.reshape(-1, 1, 2), homography).reshape(-1, 2)
        leaving = ((moved[:, 0] - half < 0) | (moved[:, 0] + half > w) | (moved[:, 1] - half < 0) | (moved[:, 1] + half > h))
        shift = np.abs(moved - self._grid)
        leaving &= np.maximum(shift[:, 0], shift[:, 1]) >= MIN_SHIFT_PX  # a jitter at the edge takes nothing away
        if not leaving.any():
            return
        cells, now = self._grid[leaving], moved[leaving]
        corners = (cells - half).astype(np.int64)  # (x0, y0) of each leaving cell in the last frame
        rows = corners[:, 1, None, None] + _SPAN[None, :, None]  # (M, CELL, 1)
        cols = corners[:, 0, None, None] + _SPAN[None, None, :]  # (M, 1, CELL)
        # Each cell's pixels as flat indices into a plane (M, CELL, CELL), gathered with `take`: the
        # same pixels as indexing by rows and columns, at a fifth to a tenth of its cost.
        at = rows * w + cols
        templates = previous.reshape(-1).take(at)  # (M, CELL, CELL): every candidate at once, not one by one
        keep = templates.std(axis=(1, 2)) >= MIN_TEXTURE  # a blank wall: nothing there to miss
        # Each further test only on the cells still kept (what it says of the others is not read):
        # the two were a third and a quarter of this step's time on the gopro walk when run on all.
        if own is not None and keep.any():
            still = np.flatnonzero(keep)
            moving = own.reshape(-1, 2).take(at[still], axis=0)
            # Its fastest pixel: a corner of a passer-by will have left. But while the head pans fast
            # the flow errs where pixels leave the view (14-80 px/s over still walls on the tuning
            # pans), so a patch whose fast pixels are under half of it is still if none of them
            # changed its look since the frame before, seen where the head's motion puts it: a
            # mover's corner shifted and shows it, the flow's error over a still wall does not.
            fast = (np.hypot(moving[..., 0], moving[..., 1]) > STILL_PX_S).reshape(len(still), -1)
            steady = ~fast.any(axis=1)
            doubt = np.flatnonzero(~steady & (fast.sum(axis=1) <= fast.shape[1] // 2))
            if len(doubt) and before[0] is not None and before[1] is not None:
                steady[doubt] = _unmoved(templates[still[doubt]], *before, at[still[doubt]], fast[doubt])
            keep[still] = steady
        if len(taken) and keep.any():
            still = np.flatnonzero(keep)
            # The larger of the two axes' distances, each axis on its own: numpy's reduction over
            # a 2-long axis cost several times the two subtractions.
            near = now[still]
            nearest = np.maximum(np.abs(near[:, 0, None] - taken[None, :, 0]), np.abs(near[:, 1, None] - taken[None, :, 1])).min(axis=1)
            keep[still] = nearest >= STRIDE / 2  # kept already (it left partly on an earlier tick)
        chosen = np.flatnonzero(keep)[:MAX_KEPT]
        if len(self.kept) + len(chosen) > MAX_KEPT:
            # Full (a walk takes the whole border out every tick, and little of it comes back): the
            # oldest make room (the kept list is in the order things left).
            self.kept = self.kept[len(self.kept) + len(chosen) - MAX_KEPT:]
        if not len(chosen):
            return
        # All chosen at once: a pan keeps a few dozen a tick, and one by one their border means were
        # most of this step's time on the gopro walk.
        patches = colour.reshape(-1, 3).take(at[chosen], axis=0)  # (M, CELL, CELL, 3)
        rings = _RING[None, :, :, None] * patches
        rings = rings.sum(axis=(1, 2)) / _RING.sum()
        for j, i in enumerate(chosen):
            self.kept.append(KeptPatch(now[i].copy(), templates[i], t, ring=rings[j], colour=patches[j]))

    def _judge(self, grey: np.ndarray, work: np.ndarray, t: float) -> Gone | None:
        h, w = grey.shape
        half = CELL / 2
        still_kept: list[KeptPatch] = []
        # (patch, score map, its origin offset, the map's best score and where: None without a map)
        looked: list[tuple[KeptPatch, np.ndarray | None, np.ndarray, tuple[float, np.ndarray] | None]] = []
        if not self.kept:
            return None
        # Which are out and which are back, for all at once (the walk keeps a few hundred).
        centres = np.array([k.centre for k in self.kept], np.float64).reshape(-1, 2)
        cx, cy = centres[:, 0], centres[:, 1]
        out = (cx + half < 0) | (cx - half > w) | (cy + half < 0) | (cy - half > h)
        backs = (EDGE_PX + half <= cx) & (cx <= w - EDGE_PX - half) & (EDGE_PX + half <= cy) & (cy <= h - EDGE_PX - half)
        for k, gone_out, back in zip(self.kept, out, backs):
            if t - k.left_at > KEEP_S:
                continue
            if k.unsure:  # not judged until found again (reanchor.py)
                still_kept.append(k)
                continue
            if gone_out:
                k.gone_out = True
            if not back:
                still_kept.append(k)
            elif k.gone_out:  # (one that came straight back, a wobble at the edge, is no test)
                scores, origin = self._scores(grey, k)
                looked.append((k, scores, origin, None if scores is None else _peak(scores)))
        if not looked:
            self.kept = still_kept
            return None
        # Where the clearly found ones were found says how far the chain of head motions drifted
        # since they left: every patch is then judged there (a patch matched by chance elsewhere
        # in its search is not found), and those still out follow it.
        found_at = [origin + peak[1] for _, _, origin, peak in looked if peak is not None and peak[0] >= ANCHOR_NCC]
        self._found = [(when, off) for when, off in self._found if t - when <= RECENT_S] + [(t, off) for off in found_at]
        if len(found_at) < DRIFT_FOUND:
            # Too few on this tick (the view comes back a sliver at a time): those found clearly over
            # the last ticks tell the drift as well, when they agree on it.
            pooled = np.array([off for _, off in self._found], np.float64).reshape(-1, 2)
            if len(pooled) >= DRIFT_FOUND and float(np.abs(pooled - np.median(pooled, axis=0)).max()) <= ANCHOR_PX:
                found_at = list(pooled)
        anchor = np.median(np.array(found_at, np.float64), axis=0) if len(found_at) >= DRIFT_FOUND else None
        gone: list[KeptPatch] = []
        for k, scores, origin, peak in looked:
            score = -1.0 if scores is None else (peak[0] if anchor is None else _near(scores, anchor - origin))
            if score >= FOUND_NCC:
                self.returns += 1
                continue
            k.misses += 1
            if k.misses < CHECKS:
                still_kept.append(k)
                continue
            self.returns += 1
            self.misses += 1
            if self._left_bare(grey, work, k, anchor):
                gone.append(k)
        if anchor is not None and float(np.abs(anchor).max()) >= DRIFT_PX:
            self._found = []  # their offsets were from where the rest stood before this re-anchoring
            for k in still_kept:
                k.centre = k.centre + anchor
        self.kept = still_kept
        if not gone:
            return None
        self.recent = [(when, c) for when, c in self.recent if t - when <= RECENT_S] + [(t, k.centre) for k in gone]
        # The chance of a miss on this clip, the recent ones left out (they are what is judged).
        chance = (self.misses - len(self.recent) + 1.0) / (self.returns - len(self.recent) + 2.0)
        return self._strongest(np.array([c for _, c in self.recent], np.float64), chance, w, h)

    @staticmethod
    def _left_bare(grey: np.ndarray, work: np.ndarray, k: KeptPatch, anchor: np.ndarray | None) -> bool:
        """What shows where the patch should be is the surface around it, bare: plainer than the
        patch was (not the same scene seen a little askew, a walk's parallax, a moved arm in front of
        a textured shirt: those keep their texture) and of the colour that surrounded its middle
        (not something else that came in front of it: a flat thing covering it is plain too)."""
        shift = anchor if anchor is not None else np.zeros(2)
        x0 = int(round(k.centre[0] + shift[0] - CELL / 2))
        y0 = int(round(k.centre[1] + shift[1] - CELL / 2))
        h, w = grey.shape
        region = (slice(max(0, y0), min(h, y0 + CELL)), slice(max(0, x0), min(w, x0 + CELL)))
        now = grey[region]
        if now.size < CELL:
            return False
        if float(now.std()) >= PLAIN_RATIO * float(k.template.std()):
            # As busy as it was: a thing gone from a textured place or from a strong edge leaves the
            # place's own texture; judged by the thing's outline instead.
            return _thing_gone(work[region], k)
        colour = work[region].reshape(-1, 3).mean(axis=0)
        return k.ring is None or float(np.linalg.norm(colour - k.ring)) < RING_MATCH

    def _scores(self, grey: np.ndarray, k: KeptPatch) -> tuple[np.ndarray | None, np.ndarray]:
        """The patch's normalised cross-correlation over its search region (None: none fits), and the
        offset of the map's first cell from where the patch should be (px)."""
        h, w = grey.shape
        x0 = int(round(k.centre[0] - CELL / 2))
        y0 = int(round(k.centre[1] - CELL / 2))
        rx0, ry0 = max(0, x0 - SEARCH_PX), max(0, y0 - SEARCH_PX)
        rx1, ry1 = min(w, x0 + CELL + SEARCH_PX), min(h, y0 + CELL + SEARCH_PX)
        origin = np.array([rx0 - x0, ry0 - y0], np.float64)
        region = grey[ry0:ry1, rx0:rx1]
        if region.shape[0] < CELL or region.shape[1] < CELL:
            return None, origin
        scores = cv2.matchTemplate(region, k.template, cv2.TM_CCOEFF_NORMED)
        return np.nan_to_num(scores, nan=-1.0), origin

    @staticmethod
    def _strongest(centres: np.ndarray, chance: float, w: int, h: int) -> Gone:
        """Group neighbouring gone patches (one thing) and score the largest group against the chance
        that a returning patch is missed on this clip."""
        group = np.arange(len(centres))
        for i in range(len(centres)):  # union of neighbours (a handful of patches: quadratic is fine)
            for j in range(i):
                if np.abs(centres[i] - centres[j]).max() <= GROUP_PX and group[i] != group[j]:
                    group[group == group[i]] = group[j]
        labels, counts = np.unique(group, return_counts=True)
        biggest = labels[int(np.argmax(counts))]
        members = centres[group == biggest]
        nats = len(members) * -math.log(max(min(chance, 1.0), 1e-6))
        cx, cy = members.mean(axis=0)
        where = (min(1.0, max(0.0, cx / w)), min(1.0, max(0.0, cy / h)))
        return Gone(min(Z_CAP, math.sqrt(2.0 * nats)), where, len(members))


def _thing_gone(now: np.ndarray, k: KeptPatch) -> bool:
    """Only the thing's own pixels are gone: the pixels that changed since the patch left (its
    outline, not the square) now show the surface that surrounded them (a colour of the patch's
    unchanged pixels, which also say the place is the right one), where before they stood out from
    it. A moved arm, another thing in front, shows a colour of its own; a patch that changed all
    over or hardly at all is not read this way (a scene askew, the light)."""
    if k.colour is None or now.shape != k.colour.shape:
        return False
    changed = np.linalg.norm(now - k.colour, axis=2) > RING_MATCH
    n = int(changed.sum())
    if n < THING_SHARE * changed.size or n > (1 - THING_SHARE) * changed.size:
        return False
    surface = now[~changed]

    def off_surface(pixels: np.ndarray) -> float:
        """The median distance of `pixels` from their nearest colour of the surface."""
        return float(np.median(nearest_colour_distance(pixels, surface)))

    return off_surface(k.colour[changed]) > THING_CONTRAST and off_surface(now[changed]) < RING_MATCH


def _unmoved(patches: np.ndarray, before: np.ndarray, head: np.ndarray, at: np.ndarray,
             fast: np.ndarray) -> np.ndarray:
    """Which `patches` (M, CELL, CELL) of the last grey frame (`at`: their pixels' flat indices in it)
    moved with the head alone: no more than a pixel or two that the flow reads `fast` (M, CELL * CELL)
    looks other than it did in the frame `before` (of the same size), seen where the head's motion
    `head` (before -> the last frame) puts it. A patch not wholly in that frame cannot be told so."""
    # NaN where the frame before did not reach: a patch not wholly in it is not judged.
    seen = warp_by_homography(before, head, cv2.BORDER_CONSTANT, float("nan"))
    seen = seen.reshape(-1).take(at).reshape(len(fast), -1)
    changed = np.abs(patches.reshape(len(fast), -1) - seen) > MOVED_GREY
    return np.isfinite(seen).all(axis=1) & ((changed & fast).sum(axis=1) <= MOVED_SHARE * fast.shape[1])


def _peak(scores: np.ndarray) -> tuple[float, np.ndarray]:
    """The best score of a map and where (x, y in the map)."""
    _, best, _, at = cv2.minMaxLoc(scores)
    return float(best), np.array(at, np.float64)


def _near(scores: np.ndarray, at: np.ndarray) -> float:
    """The best score of a map within ANCHOR_PX of `at` (x, y in the map; -1 when that lies off it)."""
    h, w = scores.shape
    x, y = int(round(at[0])), int(round(at[1]))
    x0, x1 = max(0, x - ANCHOR_PX), min(w, x + ANCHOR_PX + 1)
    y0, y1 = max(0, y - ANCHOR_PX), min(h, y + ANCHOR_PX + 1)
    if x0 >= x1 or y0 >= y1:
        return -1.0
    return float(scores[y0:y1, x0:x1].max())
