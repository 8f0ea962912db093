"""A region of error on the view's edge: a thing that went out across the edge, or one that vanished there?

A thing that leaves the view across its edge between two ticks (a signer's hands dropped below the
frame) leaves a hole where it was: its place now shows the background it stood in front of, cut by
the edge, and nothing foretold the drop, so the hole errs once, like a vanish. Inside the view that
hole is a broken rule (the thing is nowhere), but at the edge the thing may simply be past it.
Two things tell the two apart, both asked of the pixels and the motion, not of the region's size:

- what the region shows now continues its surroundings: the median colour of its pixels now lies
  nearer the median of the pixels beside it (a ring HOLE_RING px wide, not itself erring) than
  halfway to the median of what it showed the tick before (HOLE_SHARE). A thing that popped up or
  turned into another at the edge shows something new, not the background beside it;
- the thing's own motion the tick before (the head's taken out) pointed out across that edge, on
  average over the region, however slowly (a hand lowered before it drops).

Both: it went out across the edge, and it is not scored. Either alone is not enough: a thing that
vanished at the edge while still also leaves the background, and one moving out that is replaced
by another is a change.
"""

from __future__ import annotations

import cv2
import numpy as np

HOLE_RING = 3  # work px: the surroundings beside a region, read in the frame it erred in
HOLE_SHARE = 0.5  # nearer the surroundings than this share of the way to what was there: a hole


def outward_directions(box: np.ndarray, w: int, h: int) -> list[tuple[float, float]]:
    """The unit directions out across each edge of the view that the box (x, y, w, h) touches."""
    x0, y0, bw, bh = (int(v) for v in box[:4])
    return [d for touch, d in ((x0 == 0, (-1.0, 0.0)), (x0 + bw >= w, (1.0, 0.0)),
                               (y0 == 0, (0.0, -1.0)), (y0 + bh >= h, (0.0, 1.0))) if touch]


def went_out(box: np.ndarray, labels: np.ndarray, label: int, erring: np.ndarray, seen: np.ndarray,
             before: np.ndarray, own_before: np.ndarray | None, w: int, h: int) -> bool:
    """Did the thing at this edge region leave across the edge? `box`: the region's (x, y, w, h);
    `labels` (H, W): the tick's regions, `label` this one's; `erring`: bool (H, W), every region's pixels; `seen`, `before`:
    this tick's and the last tick's Lab frames (H, W, 3); `own_before`: the last tick's own motion
    (H, W, 2; px/s), None when not known."""
    outward = outward_directions(box, w, h)
    if not outward or own_before is None:
        return False
    x0, y0, bw, bh = (int(v) for v in box[:4])
    # The box grown by the ring: all that is read.
    xa, ya = max(0, x0 - HOLE_RING), max(0, y0 - HOLE_RING)
    xb, yb = min(w, x0 + bw + HOLE_RING), min(h, y0 + bh + HOLE_RING)
    inside = labels[ya:yb, xa:xb] == label  # the box alone: a tenth of the frame or less
    grown = cv2.dilate(inside.view(np.uint8), np.ones((2 * HOLE_RING + 1, 2 * HOLE_RING + 1), np.uint8)).view(bool)
    ring = grown & ~erring[ya:yb, xa:xb]
    if not ring.any():
        return False
    now, was = seen[ya:yb, xa:xb], before[ya:yb, xa:xb]
    here_now = np.median(now[inside], axis=0)
    beside_now = np.median(now[ring], axis=0)
    here_before = np.median(was[inside], axis=0)
    if np.linalg.norm(here_now - beside_now) >= HOLE_SHARE * np.linalg.norm(here_now - here_before):
        return False  # something new shows there, not the background beside it
    v = own_before[ya:yb, xa:xb][inside]
    mean = v.mean(axis=0)
    return any(float(mean[0] * dx + mean[1] * dy) > 0.0 for dx, dy in outward)
