"""A classical looming cue: a region of change that keeps growing, tick after tick.

On a reduced grey frame: undo the global shift between a frame about LAG_S earlier and this one
(head turns pan the whole view; phase correlation measures it), take the absolute difference,
and keep the largest blob of change (a lag of several frames, because something coming at the
wearer changes little from one frame to the next). Something that only moves gives a blob of steady size;
something coming at the wearer gives a blob whose size grows steadily. The cue is the growth
rate of the blob's width and height (a line fitted over about a second, so one noisy frame does
not raise an alarm) once the blob is big: roughly the inverse of its time to contact.
"""

from __future__ import annotations

import math
from collections import deque

import cv2
import numpy as np

from glasses_agent.detectors.base import Looming, robust_line

DIFF_THRESHOLD = 28  # grey levels: below this a pixel did not change (sensor noise, compression)
MIN_BLOB_FRACTION = 0.004  # blobs smaller than this share of the view are noise
MAX_BLOB_FRACTION = 0.6  # a blob bigger than this is the whole view moving (walking), not an object
HISTORY = 10  # ticks of blob sizes kept (about a second at 10 Hz)
LAG_S = 0.6  # compare with the frame this long ago
MIN_SIZE = 0.25  # blob height (fraction of view) under which nothing is near enough to warn about
GROWTH_FULL = 0.25  # size growth per second (1 / time to contact) that scores 1
GROUP_PX = 11  # change within this many pixels (of the reduced frame) is one thing
MIN_HISTORY = 6  # boxes of one blob before its growth is trusted
BOTH_AXES = 0.4  # the slower axis must grow at least this fraction as fast as the faster
MAX_RESIDUAL = 0.12  # median log-size scatter around the growth line at which trust reaches zero


class LoomingCue:
    """A region of change that keeps growing, frame after frame, with the head's pan removed; `update`
    returns the cue or None."""

    def __init__(self) -> None:
        self._frames: deque[tuple[int, np.ndarray]] = deque()
        self._boxes: deque[tuple[int, tuple[float, float], tuple[float, float, float, float]]] = deque(maxlen=HISTORY)

    def reset(self) -> None:
        self._frames.clear()
        self._boxes.clear()

    def update(self, image: np.ndarray, t_ns: int) -> Looming | None:
        """Feed the newest reduced frame (RGB, or grey); returns the cue when a blob is growing."""
        gray = image
        if self._frames and self._frames[-1][1].shape != gray.shape:
            self.reset()
        self._frames.append((t_ns, gray))
        lag_ns = int(LAG_S * 1e9)
        while len(self._frames) > 2 and self._frames[1][0] <= t_ns - lag_ns:
            self._frames.popleft()  # keep the newest frame at least LAG_S old at the front
        prev_t, prev = self._frames[0]
        if t_ns - prev_t < lag_ns * 0.75:
            return None
        blob = self._largest_change(prev, gray)
        if blob is None:
            self._boxes.clear()
            return None
        box, _ = blob
        center = (box[0] + box[2] / 2, box[1] + box[3] / 2)
        if self._boxes and math.dist(self._boxes[-1][1], center) > 0.25:
            self._boxes.clear()  # a different blob: growth across two blobs means nothing
        self._boxes.append((t_ns, center, box))
        if len(self._boxes) < MIN_HISTORY or box[3] < MIN_SIZE:
            return None
        t = np.array([(ti - self._boxes[0][0]) / 1e9 for ti, _, _ in self._boxes])
        (grow_w, resid_w), (grow_h, resid_h) = (
            robust_line(t, np.log([b[k] for _, _, b in self._boxes])) for k in (2, 3))
        resid = max(resid_w, resid_h)
        growth = (grow_w + grow_h) / 2
        # Looming expands on both axes at once; something coming out from behind an edge, or
        # a gap opening in the parallax of a walk, grows along one.
        if growth <= 0 or min(grow_w, grow_h) < BOTH_AXES * max(grow_w, grow_h):
            return None
        # Growth rate ~ 1 / time to contact, trusted as far as the growth is steady.
        score = min(1.0, growth / GROWTH_FULL) * max(0.0, 1.0 - resid / MAX_RESIDUAL)
        return Looming(score=float(score), box=box, growth_per_s=growth)

    @staticmethod
    def _largest_change(prev: np.ndarray, cur: np.ndarray) -> tuple[tuple[float, float, float, float], float] | None:
        # Colour matters: a red thing on a grey-green wall can have the wall's brightness.
        grey = (lambda im: cv2.cvtColor(im, cv2.COLOR_RGB2GRAY)) if cur.ndim == 3 else (lambda im: im)
        a, b = grey(prev).astype(np.float32), grey(cur).astype(np.float32)
        (dx, dy), _ = cv2.phaseCorrelate(a, b)
        shift = np.float32([[1, 0, dx], [0, 1, dy]])
        h, w = cur.shape[:2]
        aligned = cv2.warpAffine(prev, shift, (w, h), borderMode=cv2.BORDER_REPLICATE)
        diff = cv2.absdiff(cur, aligned)
        if diff.ndim == 3:
            diff = diff.max(axis=2)
        margin = int(math.ceil(max(abs(dx), abs(dy)))) + 1  # the borders the shift filled in
        diff[:margin, :] = diff[-margin:, :] = 0
        diff[:, :margin] = diff[:, -margin:] = 0
        mask = (diff > DIFF_THRESHOLD).astype(np.uint8)  # unblurred: a thin moving edge counts
        # Group nearby bits of change into one thing (the edges of a uniform object change, its
        # inside does not), then measure the group by its own changed pixels, not the grouping.
        groups = cv2.dilate(mask, np.ones((GROUP_PX, GROUP_PX), np.uint8))
        n, labels = cv2.connectedComponents(groups, connectivity=8)
        if n <= 1:
            return None
        counts = np.bincount(labels[mask > 0], minlength=n)
        counts[0] = 0
        best = int(np.argmax(counts))
        area = int(counts[best])
        ys, xs = np.nonzero((labels == best) & (mask > 0))
        x, y, bw, bh = int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)
        frac = area / float(w * h)
        if frac < MIN_BLOB_FRACTION or (bw * bh) / float(w * h) > MAX_BLOB_FRACTION:
            return None
        box = (x / w, y / h, bw / w, bh / h)
        return box, math.sqrt(box[2] * box[3])
