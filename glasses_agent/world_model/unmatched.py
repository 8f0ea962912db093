"""A track no detection took this frame: gone out of view, stopped, lost, hidden, or missing.

Why a module of its own: this is where the object memory's permanence lives. A track that is not
seen is not simply dropped: one that went behind something still (an occluder of another colour
over its place, its path a straight coast) is carried as "hidden", and once its occluder no longer
covers where it should be, its absence there is the "missing" violation. Telling that apart from a
detector's slip, a thing that stopped, or a thing behind a passer-by is all judged on the pixels
of the track's footprint, here; matching tracks to detections is objects.py's.
"""

from __future__ import annotations

import math

import numpy as np

from glasses_agent.world_model.foreground import colour_distance, nearest_colour_distance, true_share
from glasses_agent.world_model.tracks import Track, Violation, view_fraction

COLOUR_MATCH = 45.0  # a pixel this close to a track's colour shows that track
OCCLUDER_MATCH = 40.0
DUE_OPEN = 0.25  # a hidden thing should show once this much of its place's leading half is open view
DOUBT_OF_RADIUS = 0.25  # a place doubt under this share of the radius is the outline's wobble
OCCLUDER_SAMPLES = 64  # colours kept of what covered a hidden track: enough for a panel's few, cheap to compare
MISSING_DROP = 8  # frames an expected object may be missing before its track is dropped
HIDDEN_DROP_S = 6.0
OUT_OF_VIEW_DROP_S = 120.0


def judge_unmatched(track: Track, img: np.ndarray, foreground: np.ndarray, t: float, pred: tuple[float, float],
                    size: tuple[int, int]) -> list[Violation]:
    """What it means that no detection took `track` this frame, at `pred` (work px) in the `size`
    view: gone out of view, stopped (absorbed into the background), lost by the detector, hidden
    behind something still, or missing from where it should have come out. Changes the track
    (state, velocity, the "drop" mark) and returns the violations it shows."""
    px, py = pred
    if track.state == "out_of_view":
        if t - track.last_seen > OUT_OF_VIEW_DROP_S:
            track.extras["drop"] = True
        return []
    if not _in_view(size, px, py, margin=-0.3 * track.radius):
        track.state = "out_of_view"
        track.x, track.y = px, py
        return []
    pixels = footprint(img, px, py, track.radius)
    if len(pixels) == 0:
        track.state = "out_of_view"
        return []
    shows = true_share(colour_distance(pixels, track.colour) < COLOUR_MATCH)
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
        covering = footprint(foreground[..., None], px, py, track.radius).astype(np.float32)
        if float(covering.mean()) > 0.3:
            # Behind something that moves (a passer-by): where it comes out is anyone's guess.
            track.extras["drop"] = True
            return []
        track.state = "hidden"
        track.hidden_since = t
        # Every colour that covers its place, not their median: an occluder is seldom one colour
        # (a shelf's white and its bottles' blue), and a median of two colours matches neither, so
        # the occluder's own unchanged pixels were taken for open view where the thing was
        # "missing" (a signer's hand gone behind a two-coloured panel: z 11.6 two ticks later).
        # Taken from the leading half: it went in leading edge first, so that half is behind the
        # occluder, while the trailing half may still show the ground it came over.
        ahead = footprint(img, px, py, track.radius, ahead=(track.vx, track.vy))
        covering_colours = ahead if len(ahead) else pixels
        track.occluder_colours = covering_colours[::max(1, len(covering_colours) // OCCLUDER_SAMPLES)].astype(np.float32)
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
    pixels = footprint(img, px, py, track.radius, ahead=(track.vx, track.vy))
    if len(pixels) == 0:
        return []
    open_view = nearest_colour_distance(pixels, track.occluder_colours) >= OCCLUDER_MATCH
    expected = float(open_view.mean())
    if expected < DUE_OPEN:
        return []
    if not _out_wherever_it_may_be(track, img, px, py, track.place_doubt(t)):
        return []
    uncovered = pixels[open_view]
    if float((colour_distance(uncovered, track.colour) < COLOUR_MATCH).mean()) >= 0.4:
        return []  # it is coming out (too little of it yet to be detected)
    # Absence shows as the background where the thing should be. Something else standing
    # there (another passer-by it came out beside, a blob it merged with) says nothing about
    # it: on vtest a walker passing behind the lamp-post sign came out next to another and
    # was reported "missing" for half a second (z 10-18).
    ahead = (track.vx, track.vy)
    in_front = footprint(foreground[..., None], px, py, track.radius, ahead=ahead).astype(np.float32)
    if len(in_front) == len(pixels) and float(in_front[open_view].mean()) > 0.5:
        return []
    track.missing += 1
    if track.missing > MISSING_DROP:
        track.extras["drop"] = True
        return []
    contrast = float(colour_distance(np.median(uncovered, axis=0), track.colour))
    magnitude = expected * min(3.0, contrast / 50.0)
    return [Violation("missing", magnitude, view_fraction(size, px, py), track.id)] if magnitude > 0.3 else []


def _out_wherever_it_may_be(track: Track, img: np.ndarray, px: float, py: float, doubt: float) -> bool:
    """Whether a hidden track should show wherever it may be by now, not only at its constant-velocity
    place (px, py): also `doubt` px back along its way (towards what it went behind) and to either side,
    the band its path's scatter leaves (Track.place_doubt). A hand is no coasting thing: on asl-hungry
    one went into the face's colours moving up-left at 20 px/s and turned back (the clip played
    forth and back); 0.3 s on its constant-velocity place cleared the face by less than its radius
    and it was reported "missing" (z 8.6-14.5) a tick before it was matched again, 10 px from where
    it went in. A drawn thing's path has no scatter: it is judged at its place alone, as before.
    Nor is a doubt under DOUBT_OF_RADIUS of its size: that is its outline's own wobble (a drawn square
    of 11 px radius read 1.3-2 px as it went behind a bar), not a way it may have turned, and judged
    there it is reported two ticks after it should have shown (the hungry hand's doubt: 0.43-0.48 of its radius)."""
    if doubt < max(0.5, DOUBT_OF_RADIUS * track.radius):
        return True
    speed = math.hypot(track.vx, track.vy)
    ux, uy = (track.vx / speed, track.vy / speed) if speed > 0 else (1.0, 0.0)
    for ox, oy in ((-ux, -uy), (-uy, ux), (uy, -ux)):
        pixels = footprint(img, px + doubt * ox, py + doubt * oy, track.radius, ahead=(track.vx, track.vy))
        if len(pixels) and float((nearest_colour_distance(pixels, track.occluder_colours) >= OCCLUDER_MATCH).mean()) < DUE_OPEN:
            return False
    return True


def footprint(img: np.ndarray, x: float, y: float, r: float,
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


def _in_view(size: tuple[int, int], x: float, y: float, margin: float = 0.0) -> bool:
    w, h = size
    return -margin <= x < w + margin and -margin <= y < h + margin
