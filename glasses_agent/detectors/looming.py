"""A classical looming cue: a region of change that keeps growing, tick after tick.

On a reduced grey frame: undo the global shift between a frame about LAG_S earlier and this one
(head turns pan the whole view; phase correlation measures it), take the absolute difference,
and keep the largest blob of change (a lag of several frames, because something coming at the
wearer changes little from one frame to the next). Something that only moves gives a blob of steady size;
something coming at the wearer gives a blob whose size grows steadily. The cue is the growth
rate of the blob's size (a median over about a second, so one noisy frame does not raise an
alarm), weighted up as the blob gets big: that is roughly the inverse of time to contact.
"""

from __future__ import annotations

import math
from collections import deque

import cv2
import numpy as np

from glasses_agent.detectors.base import Looming

DIFF_THRESHOLD = 22  # grey levels: below this a pixel did not change (sensor noise, compression)
MIN_BLOB_FRACTION = 0.004  # blobs smaller than this share of the view are noise
MAX_BLOB_FRACTION = 0.6  # a blob bigger than this is the whole view moving (walking), not an object
HISTORY = 10  # ticks of blob sizes kept (about a second at 10 Hz)
LAG_S = 0.4  # compare with the frame this long ago
MIN_SIZE = 0.25  # blob height (fraction of view) under which nothing is near enough to warn about
GROWTH_FULL = 0.25  # size growth per second (1 / time to contact) that scores 1


class LoomingCue:
    def __init__(self) -> None:
        self._frames: deque[tuple[int, np.ndarray]] = deque()
        self._sizes: deque[tuple[int, float, tuple[float, float]]] = deque(maxlen=HISTORY)

    def reset(self) -> None:
        self._frames.clear()
        self._sizes.clear()

    def update(self, gray: np.ndarray, t_ns: int) -> Looming | None:
        """Feed the newest reduced grey frame; returns the cue when a blob is growing."""
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
            self._sizes.clear()
            return None
        box, size = blob
        center = (box[0] + box[2] / 2, box[1] + box[3] / 2)
        if self._sizes and math.dist(self._sizes[-1][2], center) > 0.25:
            self._sizes.clear()  # a different blob: growth across two blobs means nothing
        self._sizes.append((t_ns, size, center))
        if len(self._sizes) < 4:
            return None
        rates = []
        items = list(self._sizes)
        for (t0, s0, _), (t1, s1, _) in zip(items, items[1:]):
            if t1 > t0 and s0 > 0:
                rates.append(math.log(s1 / s0) / ((t1 - t0) / 1e9))
        growth = float(np.median(rates)) if rates else 0.0
        steady = sum(r > 0 for r in rates) / max(1, len(rates))
        if growth <= 0 or box[3] < MIN_SIZE:
            return None
        # Growth rate ~ 1 / time to contact, counted only when it grew steadily (most steps up).
        score = min(1.0, growth / GROWTH_FULL) * steady
        return Looming(score=float(score), box=box, growth_per_s=growth)

    @staticmethod
    def _largest_change(prev: np.ndarray, cur: np.ndarray) -> tuple[tuple[float, float, float, float], float] | None:
        a, b = prev.astype(np.float32), cur.astype(np.float32)
        (dx, dy), _ = cv2.phaseCorrelate(a, b)
        shift = np.float32([[1, 0, dx], [0, 1, dy]])
        h, w = cur.shape
        aligned = cv2.warpAffine(prev, shift, (w, h), borderMode=cv2.BORDER_REPLICATE)
        diff = cv2.absdiff(cur, aligned)
        margin = int(math.ceil(max(abs(dx), abs(dy)))) + 1  # the borders the shift filled in
        diff[:margin, :] = diff[-margin:, :] = 0
        diff[:, :margin] = diff[:, -margin:] = 0
        mask = (cv2.GaussianBlur(diff, (3, 3), 0) > DIFF_THRESHOLD).astype(np.uint8)
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        if n <= 1:
            return None
        best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        x, y, bw, bh, area = (int(v) for v in stats[best])
        frac = area / float(w * h)
        if frac < MIN_BLOB_FRACTION or (bw * bh) / float(w * h) > MAX_BLOB_FRACTION:
            return None
        box = (x / w, y / h, bw / w, bh / h)
        return box, math.sqrt(box[2] * box[3])
