"""Whether a region that grows is background coming out from behind something, not a thing coming.

A patch of ground or wall grows too when whatever stood in front of it moves off (a passer-by
walks along a strip of paving and uncovers it): its outline then swells tick after tick much as
a thing's closing in does. What tells them apart is what the pixels were before. A thing closing
on the wearer covers what was there: most of the pixels it fills now showed something else a
second ago (a thing closing at a steady speed with time to contact tau filled
(tau / (tau + dt))^2 of its present area dt seconds before, less if it speeds up). Uncovered
background was there before the passer-by came: at some moment in the last few seconds nearly
all of its present pixels already looked as they do now, at the same place once the head's pan
is undone (the view's shift, by phase correlation as the change cue measures it: between each
kept frame and the one before, summed, and from the newest kept to now: ~0.1 ms each).

So `SceneMemory` keeps a few earlier frames (Lab, one every STEP_NS over the last KEEP_NS) and,
asked about a region about to be timed, compares the region's pixels now with the same pixels
in the earlier frames old enough that a thing closing at the region's time to contact would have
filled at most CLOSING_SHARE of them then; if UNCOVERED_SHARE or more of them looked then as they
do now (each pixel in one frame or another: a passer-by walking slowly along a strip of paving
stands on some part of it in every frame), the region was there before. A walking wearer's scene also expands between frames, which a shift
does not undo: there the earlier frames rarely match and the check lets everything through, so
it can only withdraw a time to contact on a view that was seen as it is now.
"""

from __future__ import annotations

import math
from collections import deque

import cv2
import numpy as np

from glasses_agent.detectors.region_segments import colour_distance

STEP_NS = 500_000_000  # an earlier frame kept this often
KEEP_NS = 3_000_000_000  # ...over this long (a passer-by takes a second or two to walk off a patch)
SAME_COLOUR = 9.0  # Lab distance within which a pixel looks now as it did then (half region_segments.COLOUR_TOL)
CLOSING_SHARE = 0.5  # earlier frames are compared only where a thing closing in filled at most this share then
UNCOVERED_SHARE = 0.8  # share of the region's pixels that looked the same then, from which it was there before
MIN_PIXELS = 12  # fewer pixels than this (region_segments.MIN_AREA_PX) say nothing


class SceneMemory:
    """The last KEEP_NS of frames (Lab float32, one per STEP_NS), to ask whether a region was already there."""

    def __init__(self) -> None:
        # (t_ns, Lab, its lightness alone, where the view had moved by then (px, summed frame to frame))
        self._frames: deque[tuple[int, np.ndarray, np.ndarray, tuple[float, float]]] = deque()

    def reset(self) -> None:
        self._frames.clear()

    def remember(self, t_ns: int, lab: np.ndarray) -> None:
        """Keep this tick's Lab frame if the newest kept is STEP_NS old (the caller must not change it)."""
        if self._frames and self._frames[-1][1].shape != lab.shape:
            self._frames.clear()
        if not self._frames or t_ns - self._frames[-1][0] >= STEP_NS:
            lightness = np.ascontiguousarray(lab[..., 0])
            moved = (0.0, 0.0)
            if self._frames:  # one phase correlation a kept frame, not one a kept frame a question
                _, _, last, (mx, my) = self._frames[-1]
                (dx, dy), _ = cv2.phaseCorrelate(last, lightness)
                moved = (mx + dx, my + dy)
            self._frames.append((t_ns, lab, lightness, moved))
        while self._frames and self._frames[0][0] < t_ns - KEEP_NS:
            self._frames.popleft()

    def was_there(self, lab: np.ndarray, t_ns: int, box: tuple[float, float, float, float],
                  colour: tuple[float, float, float], tau_s: float) -> bool:
        """Whether UNCOVERED_SHARE of the pixels of the region of `colour` in `box` (fractions of
        the view) of this frame `lab` looked as they do now in a kept frame (any one each) at least
        as old as a thing closing at `tau_s` needs to have filled at most CLOSING_SHARE of it."""
        if not self._frames:
            return False
        h, w = lab.shape[:2]
        x0, y0 = max(0, int(math.floor(box[0] * w))), max(0, int(math.floor(box[1] * h)))
        x1, y1 = min(w, int(math.ceil((box[0] + box[2]) * w))), min(h, int(math.ceil((box[1] + box[3]) * h)))
        if x1 <= x0 or y1 <= y0:
            return False
        patch = lab[y0:y1, x0:x1]
        mine = colour_distance(patch, np.float32(colour)) <= SAME_COLOUR  # the region's own pixels in its box
        if int(mine.sum()) < MIN_PIXELS:
            return False
        # A thing closing at tau filled (tau / (tau + dt))^2 of its present area dt ago.
        min_age_ns = tau_s * (1.0 / math.sqrt(CLOSING_SHARE) - 1.0) * 1e9 if math.isfinite(tau_s) else 0.0
        need = UNCOVERED_SHARE * int(mine.sum())
        seen = np.zeros_like(mine)
        _, _, newest, (nx, ny) = self._frames[-1]
        (fx, fy), _ = cv2.phaseCorrelate(newest, np.ascontiguousarray(lab[..., 0]))
        for t_then, then, _, (mx, my) in self._frames:
            if t_ns - t_then < min_age_ns:
                break  # (oldest first: the rest are younger still)
            dx, dy = int(round(nx - mx + fx)), int(round(ny - my + fy))
            # The pixel that was at (x, y) then is at (x + dx, y + dy) now.
            xs0, ys0 = x0 - dx, y0 - dy
            if xs0 < 0 or ys0 < 0 or xs0 + (x1 - x0) > w or ys0 + (y1 - y0) > h:
                continue  # that part of the view was not in sight then
            before = then[ys0:ys0 + (y1 - y0), xs0:xs0 + (x1 - x0)]
            seen |= colour_distance(patch, before) <= SAME_COLOUR
            if int((seen & mine).sum()) >= need:
                return True
        return False

