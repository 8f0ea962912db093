"""Motion extrapolation: the part of the next frame that the last frames' motion did not foretell.

Each tick the dense optical flow between the last two frames (OpenCV's DIS, on the 160 px work
frame) gives every pixel's velocity; less what the head's motion brought it (egomotion.py's
homography for that tick, the one estimator), it is the pixel's own motion in the world. The
newest frame is carried forward by it: each pixel moved on by its own motion over the coming
tick's interval, then by the head's motion of the coming tick (known by then: the gyro, or the
image fit), and splatted there. That is the prediction of the next frame: a pan, a walk, a glance,
a thing gliding or turning steadily are all foretold, whatever their speed; what breaks its motion
is not. (Without a believed head motion the whole flow is carried on as it was.)

When the next frame comes, each pixel is judged both ways against the other frame's range within a
pixel of it (how far the seen value lies outside the predicted range nearby, and the predicted
outside the seen: an edge a pixel off lies inside both, a thing that is gone or changed does not),
in units of a compressed frame's noise and in Lab colour, so that a thing turned into another of
the same brightness still errs (that arithmetic, and the light fitted first: pixel_error.py).
What the motion that really happened explains (the last frame pulled along the new flow) is not
counted either: a hand that starts to move, a box pushed the
other way, change how things move, not what is there. But the flow explains only what it could have
brought: a pixel fetched from afar out of a source that a pixel which stayed put also fetched (the
background beside a thing that vanished, matched sideways into its place) is judged by the guess alone.

A place that errs every tick (a hand that keeps turning, leaves, a person's limbs) teaches an
expected error there (a blurred running map), and each pixel's error is divided by it, so what
stands out is error where the motion had been foretold well. Pixels that the splat left empty
(background coming out from behind something that moved) are not judged: nothing could have
foretold them. The connected regions of such error are followed from tick to tick: each tick's
regions are carried to the next frame as their pixels are, and a region within reach of where
one was carried (CHAIN_REACH) continues it. An animate thing (a signer's hands, a walker's limbs)
errs every tick wherever it goes, fast, blurred and off its flow, so its regions form a chain; a
broken rule errs once, where it broke (the vanished thing is not there to err again, the jumped
one's old place is empty, the changed one glides on foretold). So a tick's score is its largest
region, by its summed error (its mass) over the view's area, among those that neither continued
the last tick's regions nor are continued by the next tick's; `where` is its centre. That needs
the next tick: each verdict is about the tick before the one just stepped (0.1 s late at 10 ticks
a second). On the tuning half's own pairs (60, pixel channels alone) 28 right against 21 with
every region scored (this channel alone 34 against 23). Judging a region that continues a chain
against the chain's running mass (its excess over the chain's usual) did worse (16-20; 25 with
the next tick's continuation also zeroed, and two controls over the bar): a signer's hands start
from rest in a burst that grows far above any usual. A smaller reach (2, 4, 6 px) let 1-2
controls over the bar (a hand's one-tick jump reads as isolated); a larger (12, 16 px) 26, 25.
A region on the view's edge whose pixels go on inward on that next tick came into view across the
edge (a hand rising from below the frame): it was outside the last frame, nothing could foretell it,
and it is not scored; one that popped up at the edge and stays is (`_came_in`).

Measured on ../shared/data/voe_dev (48 pairs, pairwise as `eval surprise` judges, max over time)
with the world model's ego-motion, this channel alone: its z 45 right (constancy 16, continuity
16, permanence 13 of 16; 15, 16, 14 before the chains), its raw score 41; copy-last-frame 17. On the way there (earlier forms,
the raw score): a gradient allowance instead of the range test 40 against 42, grey instead of Lab
about 5 fewer, without the running map about 9 fewer. Over every unaltered shared clip (381 s)
its z alone (x 0.5, as the world model weighs it) passes the prompt bar twice, both on ASL signing
clips a few seconds long. Weak where the flow is: over fine, repetitive texture (random blocks 6 px
wide in the tests) DIS matches a moving thing to the background's motion on some ticks; and it
knows nothing of hidden things: one that should come out from behind something and does not is
the object memory's (objects.py) and the hidden movers' (hidden_movers.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from glasses_agent.world_model.broken_glide import NO_GLIDE, BrokenGlide, GlideRuns
from glasses_agent.world_model.egomotion import Motion
from glasses_agent.world_model.flow_moves import (borrowed_pixels, carry_points, splat_forward, splat_map, splat_order,
                                                  warp_back)
from glasses_agent.world_model.pixel_error import channel_ranges, light_change, range_error, relit

# Own speed (work px/s, the head's motion taken out) over which a pixel of `own_motion` is taken to
# move in the world: the hidden movers seed from such pixels, and a region coming in across the
# view's edge moves inward at least this fast.
MOVING_PX_S = 10.0
FLOW_FINEST_SCALE = 1  # DIS's finest pyramid level: half the work frame (0, full size, costs ~3x for little)
ERROR_UNITS = 2.0  # a pixel errs when its error (in noise units, over its expected error) passes this
HISTORY_RATE = 0.2  # the running map of expected error learns over ~5 ticks
HISTORY_BLUR = 3.0  # ... and spreads over ~3 work px (a moving hand's error is not pixel-exact)
HISTORY_WEIGHT = 1.0
WHOLE_VIEW = 0.4  # a region larger than this share of the view is a change of view, not of a thing
# Within this share of the work frame's width (8 px at 160) of where a region's pixels were carried,
# a region on the next tick continues it: an animate thing's error moves with it, a little off its flow.
CHAIN_REACH = 0.05


@dataclass(frozen=True)
class Unexplained:
    """This tick's largest region that the extrapolated motion did not foretell."""

    score: float  # its summed error over the view's area (0: none)
    where: tuple[float, float] | None  # its centre, fractions of the view
    area: float  # its area, fraction of the view


NOTHING = Unexplained(0.0, None, 0.0)


def _lab(rgb: np.ndarray) -> np.ndarray:
    """8-bit Lab (L 0..255, a and b offset by 128) of an 8-bit RGB work frame, as float32."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab).astype(np.float32)


def moves_in_world(own: np.ndarray) -> np.ndarray:
    """bool (H, W): the pixels whose own motion (H, W, 2; px/s) is MOVING_PX_S or faster, the one
    test of "moves in the world" for the extrapolation, the broken glide and the hidden movers."""
    # The planes apart: a tenth of the cost of a sum of squares over the 2-long last axis.
    vx, vy = own[..., 0], own[..., 1]
    return vx * vx + vy * vy >= MOVING_PX_S * MOVING_PX_S


def eight_bit(work: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(RGB, grey) uint8 of a float work frame: what the flow, the Lab frame and the head's motion
    (egomotion.gray_small makes the same grey) are found on. Made once a tick by the world model
    (each made its own: ~0.1 ms apiece)."""
    rgb = np.clip(work, 0, 255).astype(np.uint8)
    return rgb, cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


class MotionExtrapolation:
    """Feed each tick's work frame and time to `step`; it returns what the last motion did not foretell."""

    def __init__(self) -> None:
        self._flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        # The preset stops at a quarter of the frame's size, made for large frames; on the 160 px
        # work frame a thing a sixth of the view wide is then a few pixels and takes the
        # background's flow (a disc gliding against a pan, relative speed 7 px a tick: its
        # vanishing scored 148 at a quarter, 343 at half size, against 34-44 for the steady run).
        self._flow.setFinestScale(FLOW_FINEST_SCALE)
        self._glides = GlideRuns()
        self.reset()

    def reset(self) -> None:
        """Forget the frames and the expected-error map (a new recording)."""
        self._grey: np.ndarray | None = None
        self._lab: np.ndarray | None = None
        self._t: float | None = None
        self._velocity: np.ndarray | None = None  # px per second, at the newest frame's pixels
        self._own: np.ndarray | None = None  # ... less the head's motion: each thing's own
        self._grid: np.ndarray | None = None  # every pixel's (x, y)
        self._expected: np.ndarray | None = None
        self._regions: np.ndarray | None = None  # the last tick's regions of error (labels), at the newest frame's pixels
        self._pending: _Regions | None = None  # ... waiting for this tick to say which went on
        self._glides.reset()
        self._broken_glide = NO_GLIDE

    @property
    def lab(self) -> np.ndarray | None:
        """The newest work frame in 8-bit Lab (float32), as `step` made it (None before one)."""
        return self._lab

    @property
    def broken_glide(self) -> BrokenGlide:
        """The broken glide (broken_glide.py) of the tick that the last `step`'s verdict is about."""
        return self._broken_glide

    @property
    def own_motion(self) -> np.ndarray | None:
        """The newest frame's pixels' own motion (H, W, 2; work px/s, the head's taken out), None
        before two frames or without a believed head motion."""
        return self._own

    def flow_back(self, grey: np.ndarray) -> np.ndarray | None:
        """The dense flow from this work frame (its grey, `eight_bit`) back to the last one `step`
        took (None before one): it needs nothing else of the tick, so the world model finds it on
        another thread while the head's motion is measured, and hands it to `step` (same result)."""
        if self._grey is None or self._grey.shape != grey.shape:
            return None
        return self._flow.calc(grey, self._grey, None)

    def step(self, work: np.ndarray, t: float, motion: Motion | None = None, back: np.ndarray | None = None,
             eight: tuple[np.ndarray, np.ndarray] | None = None) -> Unexplained:
        """Judge the newest work frame (float RGB, the world model's shrunk frame) taken at `t` seconds.
        `motion`: the head's motion from the last frame to this one (egomotion.py), when known;
        `back`: `flow_back(grey)` when already found; `eight`: `eight_bit(work)` when already made."""
        rgb, grey = eight_bit(work) if eight is None else eight
        lab = _lab(rgb)
        self._broken_glide = NO_GLIDE
        if self._grey is None or self._grey.shape != grey.shape:
            self.reset()
            self._grey, self._lab, self._t = grey, lab, t
            return NOTHING
        dt = t - self._t
        if dt <= 0:  # the same frame again: nothing new to judge
            return NOTHING
        h, w = grey.shape
        head = motion.scaled(w).homography if motion is not None and motion.ok else None
        # The flow from this frame back to the last: where each of this frame's pixels came from.
        if back is None:
            back = self._flow.calc(grey, self._grey, None)
        if self._grid is None or self._grid.shape[:2] != (h, w):
            xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
            self._grid = np.stack([xs, ys], axis=-1)
        # Where the head's motion alone would fetch each pixel from, less the pixel itself (None without one).
        head_back = None if head is None else carry_points(np.linalg.inv(head), self._grid) - self._grid
        # This frame's pixels' own motion (their whole motion where the head's is not believed), found
        # once: the judge reads it now, and it is what the next tick carries on (read, never written).
        own_back = back if head_back is None else back - head_back
        own_now = own_back / -dt  # (-x) / d is x / (-d) bit for bit (rounding is symmetric): one pass fewer
        result = NOTHING
        if self._velocity is not None:
            if head is not None and self._own is not None:
                # Each thing's own motion carried on, then the view moved as the head did.
                displacement = carry_points(head, self._grid + self._own * dt) - self._grid
                own_before = self._own
            else:
                displacement = self._velocity * dt
                own_before = self._velocity
            order = splat_order(displacement)
            predicted, known = splat_forward(self._lab, displacement, order)
            # The last tick's regions carried as its pixels were: where this tick's may continue them.
            carried = np.zeros((h, w), np.int32) if self._regions is None else splat_map(self._regions, order)
            fetch = self._grid + back
            moving_before = moves_in_world(own_before)
            result = self._judge(lab, predicted, known, warp_back(self._lab, fetch), carried,
                                 borrowed_pixels(fetch, own_back), own_now, order, moving_before)
        self._velocity = own_now if head_back is None else back / -dt
        # What the head's motion alone would have brought to each pixel, taken out: the rest is
        # the pixel's own motion in the world (None without a believed head motion).
        self._own = None if head_back is None else own_now
        self._grey, self._lab, self._t = grey, lab, t
        return result

    def _judge(self, seen: np.ndarray, predicted: np.ndarray, known: np.ndarray, moved: np.ndarray,
               carried: np.ndarray, borrowed: np.ndarray | None, own_now: np.ndarray,
               order: tuple[np.ndarray, np.ndarray], moving_before: np.ndarray) -> Unexplained:
        # Unforetold, and not what any motion from the last frame explains either (a hand that
        # starts to move, a thing pushed the other way: a change of motion, not of what is there).
        # The splat where something landed, the seen frame elsewhere (OpenCV's masked copy: the
        # same pixels as np.where, at a tenth of its cost on a work frame).
        guess = cv2.copyTo(predicted, known.view(np.uint8), seen.copy())
        light = light_change(guess, seen, known)
        seen_range = channel_ranges(seen)
        foretold = range_error(seen_range, relit(guess, light))
        explained = range_error(seen_range, relit(moved, light))
        if borrowed is not None:  # fetched from what is still where it was: no explanation
            cv2.copyTo(foretold, borrowed.view(np.uint8), explained)
        error = np.minimum(foretold, explained)
        # 0 where nothing landed: times the mask (the errors are finite and not negative, so the same
        # values as assigning 0 through the inverted mask, at a third of its cost).
        np.multiply(error, known, out=error)
        if self._expected is None:
            self._expected = np.zeros_like(error)
        relative = error / (1.0 + HISTORY_WEIGHT * self._expected)
        self._expected += HISTORY_RATE * (cv2.GaussianBlur(error, (0, 0), HISTORY_BLUR) - self._expected)
        odd = cv2.morphologyEx((relative > ERROR_UNITS).astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
        # A thing followed gliding that broke its glide, scored apart from the regions (no chain).
        self._broken_glide = self._glides.step(order, moving_before, odd, relative)
        count, labels, stats, centres = cv2.connectedComponentsWithStats(odd)
        h, w = error.shape
        reach = max(1, int(round(CHAIN_REACH * w)))
        near = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
        # The last tick's regions are judged now that this tick says which of them went on.
        result = self._pending.judged(carried, cv2.dilate(odd, near), w, h, own_now) if self._pending is not None else NOTHING
        self._regions, self._pending = labels, None
        if count <= 1:
            return result
        # Each region's summed error, over the region's own pixels only (the same sums, in the
        # same order, without a pass over the whole frame's error).
        inside = odd.view(bool)
        labelled = labels[inside]  # gathered once for both sums
        masses = np.bincount(labelled, weights=relative[inside], minlength=count)
        masses[0] = 0.0
        # Which continue one of the last tick's (any pixel within reach of where its pixels were carried).
        before = cv2.dilate((carried > 0).view(np.uint8), near).view(bool)
        continues = np.bincount(labelled, weights=before[inside], minlength=count) > 0
        self._pending = _Regions(np.where(continues, 0.0, masses), stats, centres)
        return result


def _came_in(box: np.ndarray, now_at: np.ndarray, own_now: np.ndarray, w: int, h: int) -> bool:
    """Did a region on the view's edge come in across it? A thing coming into view (a hand rising from
    below the frame) errs where it first shows, cut by the edge, and goes on inward; one that popped up
    at the edge, or a gap torn by a thing that went, does not move in. `box`: the region's (x, y, w, h);
    `now_at`: its pixels carried to the new frame; `own_now`: the new frame's own motion (px/s, the
    head's taken out; the whole motion where the head's is not believed: a pan brings the background in
    at the edge too, and it does not err). Inward on average at MOVING_PX_S or faster across an edge it
    touches: it came in."""
    x0, y0, bw, bh = (int(v) for v in box[:4])
    inward = [d for touch, d in ((x0 == 0, (1.0, 0.0)), (x0 + bw >= w, (-1.0, 0.0)),
                                 (y0 == 0, (0.0, 1.0)), (y0 + bh >= h, (0.0, -1.0))) if touch]
    if not inward or not now_at.any():
        return False
    v = own_now[now_at]
    return any(float(np.mean(v[:, 0] * dx + v[:, 1] * dy)) >= MOVING_PX_S for dx, dy in inward)


@dataclass(frozen=True)
class _Regions:
    """One tick's regions of unforetold error, until the next tick says which went on."""

    masses: np.ndarray  # summed error a region (label), 0 where it continued an earlier region
    stats: np.ndarray  # connectedComponentsWithStats' boxes and areas
    centres: np.ndarray

    def judged(self, carried: np.ndarray, now_near: np.ndarray, w: int, h: int, own_now: np.ndarray) -> Unexplained:
        """The largest region that neither continued an earlier one nor goes on into this tick's
        (`carried`: these regions' labels carried to this frame; `now_near`: within reach of this
        tick's regions): an animate thing (a signer's hands, a walker's limbs) errs every tick
        wherever it goes, a broken rule (a vanish, a jump, a change) errs once, where it broke."""
        masses = self.masses.copy()
        went_on = carried[now_near.view(bool)]
        masses[went_on[went_on > 0]] = 0.0
        x0, y0 = self.stats[:, cv2.CC_STAT_LEFT], self.stats[:, cv2.CC_STAT_TOP]
        x1, y1 = x0 + self.stats[:, cv2.CC_STAT_WIDTH], y0 + self.stats[:, cv2.CC_STAT_HEIGHT]
        on_edge = (masses > 0) & ((x0 == 0) | (y0 == 0) | (x1 >= w) | (y1 >= h))
        for label in np.flatnonzero(on_edge):  # few: the edge's regions alone are asked
            if _came_in(self.stats[label], carried == label, own_now, w, h):
                masses[label] = 0.0
        best = int(np.argmax(masses))
        if masses[best] <= 0 or self.stats[best, cv2.CC_STAT_AREA] > WHOLE_VIEW * w * h:
            # Most of the view at once: the light came back, a cut, a blur, or something as near
            # as the eye (the hazard cue's business): a change of view, not a thing that broke
            # its motion (the slots' background starts over the same way).
            return NOTHING
        cx, cy = self.centres[best]
        return Unexplained(float(masses[best]) / (w * h), (float(cx) / w, float(cy) / h),
                           float(self.stats[best, cv2.CC_STAT_AREA]) / (w * h))
