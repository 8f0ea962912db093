"""Hidden movers: a thing that glides behind something still should come out on its far side.

A thing moving steadily across the view and then covered by something that stands still (a box, a
pillar, a door frame) is still there, moving as it did. The motion extrapolation (extrapolation.py)
cannot say so: once covered, nothing of the thing is left to carry on, and what covers it stays put,
foretold. The object memory (objects.py) could, but on real footage the thing is rarely one of its
trusted, steady tracks. So this keeps the thing itself.

A mover is seeded from the extrapolation's own-motion field (a compact patch of pixels moving in the
world, the head's motion taken out), its look cut to its own outline: the patch's pixels of another
colour than the ring around it (the flow bleeds onto the background at a thing's edge, and a box of
background would match the background anywhere). From then on it is followed by its look alone (the
flow reads small, faint things at half their speed, or loses them): matched each tick near where its
motion carries it, its speed fitted to its matched places, not read from the flow. It is believed to
glide once matched MIN_SEEN_TICKS ticks running along a straight path at MIN_SPEED or faster: a
signer's hands, a walker's limbs change speed and shape and are dropped.

When a gliding mover's look stops matching where it should be, inside the view (leaving the view is
out_of_view.py's business), or its look is seen only where nothing of it moves or changed and like its
surroundings (what covers it, or the background, matching the look), and nothing moves there (a thing
that only changed its look, or that the match lost, still moves), it is hidden: carried on at its speed
and looked for each tick along its way. Partly seen where something still moves, it is carried one tick
before it is let go (that may be its trailing part going behind something). It is due once where it
should be no longer looks like what covered it (the colours that stood there as it hid), or no longer
holds most of those colours: the occluder's far side read from its own colours, no edge or shape. It
is back when its look is seen again where pixels move or changed colour since the last frame (the flow
often misses a small thing as it comes out, but the pixels where it appears change, and the still
background it might be mistaken for does not). Overdue, each second adds RATE_PER_S to its
z, up to CAP: what covers it may be wide or the thing may have stopped behind it, so a long hiding is
odd rather than alarming (CAP stays under the prompt's 3).

Cost: everything is computed in small windows around each mover's search (the look's ranges, the
motion and the change since the last frame) rather than over the frame; a gliding mover is looked for
within GLIDE_SEARCH_PX of its way (its speed is known by then), a hidden one only at places where
enough of its look would land on pixels that move or changed (counted for all places at once); a
mover that does not glide within TRIAL_TICKS is let go; seeding runs every SEED_EVERY ticks. Thread
CPU a tick (the channel alone, on cached inputs, min of 5 repeats, load 13): the gopro walk 0.14 ms,
a signing tuning clip (asl-milk_10) 1.29 ms, against 0.56 and 5.85 for the prototype it came from in
the same session. Matching a look on a sample of its pixels was cheaper still and lost pairs: a
share measured on 48 of a few hundred pixels crosses SEEN where the whole look's does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from glasses_agent.world_model.extrapolation import MOVING_PX_S

MIN_AREA_PX = 12  # a seed's pixels at least (work px): smaller is the flow's noise
MAX_AREA = 0.06  # ... and at most this share of the view: larger is a person or a change of view
MIN_FILL = 0.35  # a seed's share of its box: lower is a sprawl (an arm, a shadow), not a thing
RING_PX = 2  # the ring around a seed whose colours are the background's
OWN_COLOUR = 20.0  # Lab distance from the ring's median over which a seed's pixel is the thing's own
# A look of fewer own pixels is not followed: one of 11 (a plausible behind-occluder control,
# asl-eat_04) hid, came out, was never found again at HIDDEN_FOUND, and sat at the cap.
MIN_OWN_PX = 20
MATCH = 14.0  # Lab units outside a pixel's 3x3 range within which a pixel of the look is seen again
SEARCH_PX = 4  # how far from where its motion carries it a mover is looked for (work px)
GLIDE_SEARCH_PX = 1  # ... once it glides: its speed is fitted, and a look found farther off its way is something else
SEEN = 0.6  # share of its look seen again for a mover to be matched
MIN_SEEN_TICKS = 5
TRIAL_TICKS = 10  # a mover followed this long that does not glide is let go
MIN_SPEED = 8.0  # work px/s (0.8 px a tick at 10 Hz): slower is a sway, not a glide
STEADY_PX = 1.0  # RMS distance of its matched places from their fitted line
HISTORY = 8  # matched places the speed is fitted to
EDGE_PX = 3  # a look this near the view's edge may be leaving it, not going behind something
GONE_MOVING = 0.2  # share of its look's place that moves, under which nothing of it moves there
HIDDEN_FOUND = 0.4  # share of its look seen again (and moving) for a hidden mover to be back
HIDDEN_SEARCH_PX = 3  # ... looked for this far across its way
SPEED_DOUBT = 0.3  # ... and along it, this share of how far it went unseen (its speed is fitted, not known)
COVER_PX = 64  # colours kept of what covered it
UNCOVERED = 0.5  # share of its place within MATCH of those under which it is due out
# ... or the share of those colours still found in its place (within MATCH) under which it is due out. A
# textured cover's colours spread so widely that nearly every pixel of the background beyond it lies near
# one of them, and that place looked covered for ever (tune-pairs3 bottle-detection_01: 0.69-1.0 of it
# after the thing's true coming-out); the background holds few of the cover's colours, though (0.61 ->
# 0.23 there), while a place on the cover holds most of them (0.80-1.0 on a tuning control's panel).
COVER_GONE = 0.4
# A gliding mover not seen (under SEEN) where something still moves is carried one tick, not let go, if
# this share of its look is still seen where it should be: part of it showing, the rest gone behind
# something (tune-pairs3 bottle-detection_01: 0.58, its trailing quarter still moving). Without this
# share a signer's hand that changed its look under a relighting was carried, hidden, and overdue at 2.
GOING_SEEN = 0.4
RATE_PER_S = 1.0
CAP = 2.0
MAX_HIDDEN_S = 4.0  # a mover hidden longer is forgotten
MAX_MOVERS = 6
# A gliding mover's look seen where under this share of it moves or changed colour since the last
# frame is not seen, unless it stands out from its surroundings there (a thing that stopped does): a
# glide does not stand still, so that is the background or what covers it matching the look
# (asl-hungry_08: a dark thing matched on the wall and panel it went behind, its fitted speed falling
# to nothing, let go as a mover that stopped gliding instead of hidden).
GLIDE_ARRIVING = 0.1
SEED_EVERY = 2  # ticks between seedings: a thing must be matched MIN_SEEN_TICKS anyway before it counts
_KERNEL = np.ones((3, 3), np.uint8)


@dataclass(frozen=True)
class Hidden:
    """The longest-overdue hidden mover: its z, where it should be (fractions of the view), when it
    hid and when it was due out (seconds, the frames' clock)."""

    z: float
    where: tuple[float, float]
    hidden_at: float
    due_at: float

    def reason(self) -> str:
        return f"hidden since {self.hidden_at:.1f} s, due out at {self.due_at:.1f} s"


@dataclass
class _Mover:
    xs: np.ndarray  # the look's own pixels, offsets in its box
    ys: np.ndarray
    colours: np.ndarray  # (N, 3) Lab
    size: tuple[int, int]  # its box (w, h)
    x: float  # the box's top-left corner now (work px)
    y: float
    places: list[tuple[float, float, float]] = field(default_factory=list)  # (t, x, y), carried into the newest frame
    velocity: tuple[float, float] = (0.0, 0.0)  # own px/s
    seen_ticks: int = 0
    hidden_since: float | None = None
    cover: np.ndarray | None = None  # (K, 3) Lab colours of what covered it as it hid
    due_since: float | None = None
    going: bool = False  # a gliding mover not seen last tick where something moved: carried one tick

    def __post_init__(self) -> None:
        # Seen again where a pixel's range within a pixel, widened by MATCH, holds its colour.
        self.lower = (self.colours - MATCH).astype(np.int16)
        self.upper = (self.colours + MATCH).astype(np.int16)

    @property
    def gliding(self) -> bool:
        return self.seen_ticks >= MIN_SEEN_TICKS and float(np.hypot(*self.velocity)) >= MIN_SPEED and _steady(self.places)


def _steady(places: list[tuple[float, float, float]]) -> bool:
    if len(places) < 3:
        return False
    t, x, y = (np.array(v) for v in zip(*places))
    a = np.vstack([t - t.mean(), np.ones_like(t)]).T
    coef, *_ = np.linalg.lstsq(a, np.stack([x, y], 1), rcond=None)
    return float(np.mean(((a @ coef - np.stack([x, y], 1)) ** 2).sum(axis=1))) ** 0.5 <= STEADY_PX


def _fitted_velocity(places: list[tuple[float, float, float]]) -> tuple[float, float]:
    t, x, y = (np.array(v) for v in zip(*places))
    if len(t) < 2 or np.ptp(t) <= 0:
        return (0.0, 0.0)
    dt = t - t.mean()
    denominator = float((dt * dt).sum())
    return float((dt * (x - x.mean())).sum() / denominator), float((dt * (y - y.mean())).sum() / denominator)


def _carry(homography: np.ndarray | None, x: float, y: float) -> tuple[float, float]:
    if homography is None:
        return x, y
    p = homography @ np.array([x, y, 1.0])
    return float(p[0] / p[2]), float(p[1] / p[2])


class _Window:
    """What matching needs of a part of the frame (x0, y0 its corner): each Lab channel's range within
    a pixel (a sub-pixel shift or a soft edge is not a change), where things move, and where they
    move or changed colour since the last frame (warped by the head's motion). Made for the few
    pixels a mover's search reads rather than for the whole frame."""

    def __init__(self, lab: np.ndarray, last: np.ndarray | None, head: np.ndarray | None,
                 own: np.ndarray | None, x0: int, y0: int, x1: int, y1: int) -> None:
        big_h, big_w = lab.shape[:2]
        # A pixel more each way, so the ranges inside are the whole frame's.
        self.x0, self.y0 = max(0, x0 - 1), max(0, y0 - 1)
        x1, y1 = min(big_w, x1 + 1), min(big_h, y1 + 1)
        crop = lab[self.y0:y1, self.x0:x1]
        # The work frame's Lab is whole 8-bit values: its ranges gathered as bytes, each pixel's three in a row.
        self.width = crop.shape[1]
        self.low = cv2.erode(crop, _KERNEL).astype(np.uint8).reshape(-1, 3)
        self.high = cv2.dilate(crop, _KERNEL).astype(np.uint8).reshape(-1, 3)
        if own is not None:
            o = own[self.y0:y1, self.x0:x1]
            self.moving = o[..., 0] ** 2 + o[..., 1] ** 2 >= MOVING_PX_S ** 2
        else:
            self.moving = np.zeros(crop.shape[:2], bool)
        self.arriving = self.moving.copy()
        if last is not None and last.shape == lab.shape:
            if head is not None:
                shift = np.array([[1.0, 0.0, -self.x0], [0.0, 1.0, -self.y0], [0.0, 0.0, 1.0]])
                before = cv2.warpPerspective(last, shift @ head, (crop.shape[1], crop.shape[0]), borderMode=cv2.BORDER_REPLICATE)
            else:
                before = last[self.y0:y1, self.x0:x1]
            self.arriving |= np.abs(crop - before).max(axis=2) > MATCH

    def shares(self, mover: _Mover, corners: np.ndarray, big_w: int, big_h: int) -> tuple[np.ndarray, np.ndarray]:
        """For each corner (K, 2 ints) of the mover's box: the share of its look seen again there, and
        the share of those seen that move or changed (a thing coming out does; what stands in front does not)."""
        px = corners[:, :1] + mover.xs[None, :]
        py = corners[:, 1:] + mover.ys[None, :]
        inside = (px >= 0) & (px < big_w) & (py >= 0) & (py < big_h)
        at = (np.clip(py, 0, big_h - 1) - self.y0) * self.width + (np.clip(px, 0, big_w - 1) - self.x0)
        low, high = self.low[at], self.high[at]  # (K, N, 3)
        seen = np.all((mover.upper >= low) & (mover.lower <= high), axis=2) & inside
        count = np.count_nonzero(seen, axis=1)
        moving = np.count_nonzero(seen & self.arriving.ravel()[at], axis=1) / np.maximum(count, 1)
        return count / len(mover.xs), moving

    def arriving_counts(self, mover: _Mover) -> np.ndarray:
        """For each corner of the mover's box in this window (window px), how many of its look's pixels
        would land where something moves or changed (a box reaching past the window counts nothing there)."""
        w, h = mover.size
        kernel = np.zeros((h, w), np.float32)
        kernel[mover.ys, mover.xs] = 1.0
        # filter2D correlates with the kernel's anchor at its corner: each pixel gets the count of the box whose corner it is.
        return cv2.filter2D(self.arriving.view(np.uint8).astype(np.float32), -1, kernel, anchor=(0, 0),
                            borderType=cv2.BORDER_CONSTANT)

    def arriving_at(self, mover: _Mover, x: int, y: int, big_w: int, big_h: int) -> np.ndarray:
        """Of the places of the mover's look, its box's corner at (x, y): which move or changed colour."""
        return self.arriving[self._places(mover, x, y, big_w, big_h)]

    def moving_share(self, mover: _Mover, x: int, y: int, big_w: int, big_h: int) -> float:
        """The share of the places of the mover's look, its box's corner at (x, y), where something moves."""
        return float(self.moving[self._places(mover, x, y, big_w, big_h)].mean())

    def _places(self, mover: _Mover, x: int, y: int, big_w: int, big_h: int) -> tuple[np.ndarray, np.ndarray]:
        """The window's (rows, columns) of the mover's look with its box's corner at (x, y), kept in the frame."""
        return np.clip(mover.ys + y, 0, big_h - 1) - self.y0, np.clip(mover.xs + x, 0, big_w - 1) - self.x0


def _stands_out(lab: np.ndarray, mover: _Mover, x: int, y: int) -> bool:
    """Whether most of the mover's look at its box's corner (x, y) is unlike the ring around the box, as
    a thing that stopped there is; the background or a cover that matches the look is like its surroundings."""
    big_h, big_w = lab.shape[:2]
    w, h = mover.size
    x0, y0, x1, y1 = max(0, x - RING_PX), max(0, y - RING_PX), min(big_w, x + w + RING_PX), min(big_h, y + h + RING_PX)
    ring = np.ones((y1 - y0, x1 - x0), bool)
    ring[max(0, y - y0):max(0, y + h - y0), max(0, x - x0):max(0, x + w - x0)] = False
    if not ring.any():
        return False
    there = lab[np.clip(mover.ys + y, 0, big_h - 1), np.clip(mover.xs + x, 0, big_w - 1)]
    return float(_unlike_ring(there, lab[y0:y1, x0:x1][ring]).mean()) >= 0.5


def _unlike_ring(look: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Which pixels of `look` (..., 3 Lab) lie over OWN_COLOUR from the median colour of the `ring`
    around them (N, 3 Lab): a thing's own pixels, not its surroundings' (a seed's, a look that stopped)."""
    return np.linalg.norm(look - np.median(ring, axis=0), axis=-1) > OWN_COLOUR


def _offsets(velocity: tuple[float, float], along: float, across: float) -> np.ndarray:
    """Whole-pixel offsets within `along` px in the mover's direction and `across` px across it."""
    speed = float(np.hypot(*velocity))
    ux, uy = (velocity[0] / speed, velocity[1] / speed) if speed > 0 else (1.0, 0.0)
    reach = int(np.ceil(along * max(abs(ux), abs(uy)) + across * max(abs(ux), abs(uy)))) + 1
    dx, dy = np.meshgrid(np.arange(-reach, reach + 1), np.arange(-reach, reach + 1))
    dx, dy = dx.ravel(), dy.ravel()
    keep = (np.abs(dx * ux + dy * uy) <= along + 0.5) & (np.abs(dy * ux - dx * uy) <= across + 0.5)
    return np.stack([dx[keep], dy[keep]], 1)


def _best_place(lab: np.ndarray, last: np.ndarray | None, head: np.ndarray | None, own: np.ndarray | None,
                mover: _Mover, x: float, y: float, along: float, across: float,
                need_moving: bool) -> tuple[float, float, int, int, _Window, int, int]:
    """Where near (x, y) most of the mover's look is seen (nearest first among equals): the share
    seen, the share of those seen that move or changed, that corner, the window made for it and the
    corner (x, y) rounded."""
    big_h, big_w = lab.shape[:2]
    offsets = _offsets(mover.velocity, along, across)
    xi, yi = int(round(x)), int(round(y))
    corners = offsets + np.array([xi, yi])
    w, h = mover.size
    lo = np.clip(corners.min(axis=0), 0, [big_w - 1, big_h - 1])
    hi = np.clip(corners.max(axis=0) + [w, h], 1, [big_w, big_h])
    window = _Window(lab, last, head, own, int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1]))
    if need_moving:
        # Only where enough of its look would land on pixels that move or changed can it be coming
        # out (HIDDEN_FOUND seen, half of them arriving): counted for every corner at once.
        arriving = window.arriving_counts(mover)
        cx = np.clip(corners[:, 0] - window.x0, 0, arriving.shape[1] - 1)
        cy = np.clip(corners[:, 1] - window.y0, 0, arriving.shape[0] - 1)
        hopeful = arriving[cy, cx] >= 0.5 * HIDDEN_FOUND * len(mover.xs)
        if not hopeful.any():
            return 0.0, 0.0, xi, yi, window, xi, yi
        offsets, corners = offsets[hopeful], corners[hopeful]
    shares, moving = window.shares(mover, corners, big_w, big_h)
    if need_moving:
        shares = np.where(moving >= 0.5, shares, 0.0)
    k = int(np.lexsort((np.abs(offsets).sum(axis=1), -shares))[0])
    return float(shares[k]), float(moving[k]), int(corners[k, 0]), int(corners[k, 1]), window, xi, yi


class HiddenMovers:
    """Feed each tick's Lab work frame, time, the head's motion (work px homography from the last frame,
    None when not believed) and the own-motion field to `step`; it returns the longest-overdue hidden
    mover, None when none is overdue."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything (a new recording)."""
        self.movers: list[_Mover] = []
        self._t: float | None = None
        self._last: np.ndarray | None = None
        self._ticks = 0

    def step(self, lab: np.ndarray, t: float, head: np.ndarray | None, own: np.ndarray | None) -> Hidden | None:
        last, self._last = self._last, lab
        if self._t is None or t <= self._t or last is None or last.shape != lab.shape:
            self._t = t
            self.movers = []
            return None
        dt, self._t = t - self._t, t
        big_h, big_w = lab.shape[:2]
        kept: list[_Mover] = []
        found: Hidden | None = None
        for m in self.movers:
            w, h = m.size
            # Where its own motion and the head's carry it (the corner stands for the box).
            px, py = _carry(head, m.x + m.velocity[0] * dt, m.y + m.velocity[1] * dt)
            if head is not None:
                m.places = [(pt, *_carry(head, qx, qy)) for pt, qx, qy in m.places]
            inside = EDGE_PX <= px and px + w <= big_w - EDGE_PX and EDGE_PX <= py and py + h <= big_h - EDGE_PX
            if m.hidden_since is None:
                reach = GLIDE_SEARCH_PX if m.gliding else SEARCH_PX
                share, arriving, bx, by, window, xi, yi = _best_place(lab, last, head, own, m, px, py, reach, reach, False)
                # A glide does not stand: its look seen where (almost) nothing of it moves or changed is
                # something still matching it, and the thing is not seen (it may be hidden there).
                if share >= SEEN and not (m.gliding and arriving < GLIDE_ARRIVING and not _stands_out(lab, m, bx, by)):
                    m.x, m.y, m.going = float(bx), float(by), False
                    m.places = (m.places + [(t, m.x, m.y)])[-HISTORY:]
                    if len(m.places) >= 3:
                        m.velocity = _fitted_velocity(m.places)
                    m.seen_ticks += 1
                    # Followed TRIAL_TICKS and still not gliding (slow, or turning: a hand, a head),
                    # it is let go: its matching costs, and should it start to glide it is seeded again.
                    if m.seen_ticks < TRIAL_TICKS or m.gliding:
                        kept.append(m)
                elif m.gliding and inside and window.moving_share(m, xi, yi, big_w, big_h) < GONE_MOVING:
                    # Not seen where it should be, and nothing moves there: something still covers it.
                    # What covers it is what stood there last frame too: the background its going
                    # uncovered on the near side changed, and is not the cover.
                    m.x, m.y, m.hidden_since, m.due_since, m.going = px, py, t, None, False
                    there = lab[m.ys + yi, m.xs + xi]
                    still = there[~window.arriving_at(m, xi, yi, big_w, big_h)]
                    there = still if len(still) else there
                    m.cover = there[:: max(1, len(there) // COVER_PX)].copy()
                    kept.append(m)
                elif m.gliding and inside and not m.going and share >= GOING_SEEN:
                    # Part of it seen, and something moves there: that may be what is left of it as it
                    # goes behind something (its look no longer matched at SEEN, the flow still reading
                    # its trailing part). Carried one tick at its speed before it is let go.
                    m.x, m.y, m.going = px, py, True
                    kept.append(m)
                continue
            m.x, m.y = px, py
            if not inside or t - m.hidden_since > MAX_HIDDEN_S:
                continue
            along = HIDDEN_SEARCH_PX + SPEED_DOUBT * float(np.hypot(*m.velocity)) * (t - m.hidden_since)
            share, _, bx, by, _, xi, yi = _best_place(lab, last, head, own, m, px, py, along, HIDDEN_SEARCH_PX, True)
            if share >= HIDDEN_FOUND:
                m.x, m.y, m.hidden_since = float(bx), float(by), None
                m.places = (m.places + [(t, m.x, m.y)])[-HISTORY:]
                kept.append(m)
                continue
            kept.append(m)
            if m.due_since is None:
                there = lab[m.ys + yi, m.xs + xi]
                near = ((there[:, None, :] - m.cover[None, :, :]) ** 2).sum(axis=2) < MATCH * MATCH
                if float(near.any(axis=1).mean()) < UNCOVERED or float(near.any(axis=0).mean()) < COVER_GONE:
                    m.due_since = t
                continue
            z = min(CAP, RATE_PER_S * (t - m.due_since + 0.1))
            if found is None or z > found.z:
                found = Hidden(z, ((m.x + w / 2) / big_w, (m.y + h / 2) / big_h), m.hidden_since, m.due_since)
        self.movers = kept
        self._ticks += 1
        if own is not None and len(self.movers) < MAX_MOVERS and self._ticks % SEED_EVERY == 0:
            self._seed(lab, own, t)
        return found

    def _seed(self, lab: np.ndarray, own: np.ndarray, t: float) -> None:
        big_h, big_w = lab.shape[:2]
        moving = (own[..., 0] ** 2 + own[..., 1] ** 2 >= MOVING_PX_S ** 2).view(np.uint8)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(moving)
        if count <= 1:
            return
        x, y, w, h, area = (stats[1:, k] for k in range(5))
        good = ((area >= MIN_AREA_PX) & (area <= MAX_AREA * big_w * big_h) & (area >= MIN_FILL * w * h)
                & (x >= max(EDGE_PX, RING_PX)) & (y >= max(EDGE_PX, RING_PX))
                & (x + w <= big_w - max(EDGE_PX, RING_PX)) & (y + h <= big_h - max(EDGE_PX, RING_PX)))
        candidates = np.flatnonzero(good) + 1
        if not len(candidates):
            return
        taken = np.zeros((big_h, big_w), bool)
        for m in self.movers:
            w_, h_ = m.size
            xi, yi = int(round(m.x)), int(round(m.y))
            taken[max(0, yi):yi + h_, max(0, xi):xi + w_] = True
        grow = np.ones((2 * RING_PX + 1,) * 2, np.uint8)
        for k in candidates:
            x, y, w, h = (int(v) for v in stats[k, :4])
            if taken[y:y + h, x:x + w].any():
                continue
            ring_box = labels[y - RING_PX:y + h + RING_PX, x - RING_PX:x + w + RING_PX] == k
            ring = cv2.dilate(ring_box.view(np.uint8), grow).view(bool) & ~ring_box
            if not ring.any():
                continue
            around = lab[y - RING_PX:y + h + RING_PX, x - RING_PX:x + w + RING_PX][ring]
            look = lab[y:y + h, x:x + w]
            patch = ring_box[RING_PX:RING_PX + h, RING_PX:RING_PX + w]
            ys, xs = np.nonzero(patch & _unlike_ring(look, around))
            if len(xs) < MIN_OWN_PX:
                continue
            velocity = own[y:y + h, x:x + w][patch].mean(axis=0)
            self.movers.append(_Mover(xs, ys, look[ys, xs].copy(), (w, h), float(x), float(y),
                                      [(t, float(x), float(y))], (float(velocity[0]), float(velocity[1])), 1))
            taken[y:y + h, x:x + w] = True
            if len(self.movers) >= MAX_MOVERS:
                return
