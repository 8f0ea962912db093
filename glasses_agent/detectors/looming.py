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

from glasses_agent.detectors.base import (Looming, agreed_now, confirmed_tau, passing_by, robust_line, strongest,
                                          time_to_contact, urgency)
from glasses_agent.detectors.place_readings import Reading
from glasses_agent.detectors.regions import TAU_GREW
from glasses_agent.detectors.scale_match import appearance_scale, scale_tau

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
TAU_WINDOW_NS = 500_000_000  # boxes this recent give the time to contact (see base.time_to_contact)
TAU_POINTS = 4
TAU_MIN_SIZE = 0.06  # sqrt(w h) of the blob under which it is too few pixels to time
TAU_MAX_SCATTER = 0.06
LOOK_GREW = 1.05  # growth of a blob's box over TAU_WINDOW_NS under which its appearance is not matched


MAX_BLOBS = 3  # blobs of change followed at once (people walking by beside the thing coming)
SAME_BLOB = 0.25  # centre distance (fraction of the view) within which a blob is the one seen last tick


class _BlobTrack:
    """One blob of change followed tick to tick: its boxes and its time-to-contact estimates."""

    def __init__(self) -> None:
        self.boxes: deque[tuple[int, tuple[float, float], tuple[float, float, float, float]]] = deque(maxlen=HISTORY)
        self.taus: deque[tuple[int, float]] = deque()
        self.scale_taus: deque[tuple[int, float]] = deque()  # (t_ns, time to contact from its appearance's scale)
        self.cut = False  # the latest box reaches the view's border (see LoomingCue._changes)

    @property
    def center(self) -> tuple[float, float]:
        return self.boxes[-1][1]


class LoomingCue:
    """A region of change that keeps growing, frame after frame, with the head's pan removed; `update`
    returns the cue or None."""

    def __init__(self) -> None:
        self._frames: deque[tuple[int, np.ndarray]] = deque()
        self._tracks: list[_BlobTrack] = []  # the largest blob's track first
        self.strongest: Looming | None = None  # this frame's highest-scoring cue (the largest blob's growth)
        # This frame in grey and the one about LAG_S before it (shifted onto it), with the lag in
        # seconds and that earlier frame in colour (shifted alike), for matching a thing's
        # appearance (`scale_match`); None before there is one.
        self.frames_for_scale: tuple[np.ndarray, np.ndarray, float, np.ndarray] | None = None

    def reset(self) -> None:
        self._frames.clear()
        self._tracks.clear()
        self.strongest = None
        self.frames_for_scale = None

    def update(self, image: np.ndarray, t_ns: int) -> Looming | None:
        """Feed the newest reduced frame (RGB, or grey); returns the cue of the most urgent blob:
        the soonest time to contact, else the largest blob's steady growth (`strongest` keeps the
        highest-scoring cue apart)."""
        self.strongest = None
        self.frames_for_scale = None
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
        blobs, before, now, before_colour = self._changes(prev, gray)
        self._tracks = self._follow(blobs, t_ns)
        self.frames_for_scale = (before, now, (t_ns - prev_t) / 1e9, before_colour)
        best: Looming | None = None
        for i, track in enumerate(self._tracks):
            cue = self._cue(track, t_ns, growth=i == 0, scaled=self.frames_for_scale)
            self.strongest = strongest(self.strongest, cue)
            if cue is not None and (best is None or urgency(cue) > urgency(best)):
                best = cue
        return best

    def readings(self, t_ns: int) -> list[Reading]:
        """This tick's raw time-to-contact readings (outline's and appearance's, finite, before
        any confirming), each with its blob's box (`place_readings`)."""
        return [(tr.boxes[-1][2], tau, None) for tr in self._tracks if tr.boxes[-1][0] == t_ns
                for history in (tr.taus, tr.scale_taus)
                if history and history[-1][0] == t_ns and math.isfinite(tau := history[-1][1])]

    def _follow(self, blobs: list[tuple[tuple[float, float, float, float], bool]], t_ns: int) -> list[_BlobTrack]:
        """Each blob continues the nearest unclaimed track of last tick (a different blob: a new
        track, since growth across two blobs means nothing); tracks with no blob end."""
        free = list(self._tracks)
        out = []
        for box, cut in blobs:
            center = (box[0] + box[2] / 2, box[1] + box[3] / 2)
            near = [tr for tr in free if math.dist(tr.center, center) <= SAME_BLOB]
            track = min(near, key=lambda tr: math.dist(tr.center, center)) if near else _BlobTrack()
            if near:
                free.remove(track)
            track.boxes.append((t_ns, center, box))
            track.cut = cut
            out.append(track)
        return out

    @staticmethod
    def _cue(track: _BlobTrack, t_ns: int, growth: bool,
             scaled: tuple[np.ndarray, np.ndarray, float, np.ndarray] | None = None) -> Looming | None:
        box = track.boxes[-1][2]
        outline = _tau(track, t_ns)
        tau = confirmed_tau(track.taus, t_ns, outline)
        if scaled is not None:
            # The outline of a textured thing jitters; its texture grows as the thing does.
            look = _look_tau(track, t_ns, *scaled[:3])
            tau = min(tau, confirmed_tau(track.scale_taus, t_ns, look))
            if not math.isfinite(tau):  # neither confirmed yet: the two measures agreeing now
                sizes = [(t_then, math.sqrt(b[2] * b[3])) for t_then, _, b in track.boxes]
                tau = agreed_now(outline, look, sizes, t_ns)
        cue = Looming(score=0.0, box=box, growth_per_s=0.0, tau_s=tau) if math.isfinite(tau) else None
        if not growth or track.cut or len(track.boxes) < MIN_HISTORY or box[3] < MIN_SIZE:
            return cue  # (cut: coming into view or leaving it, its box grows by what the edge uncovers)
        boxes = track.boxes
        t = np.array([(ti - boxes[0][0]) / 1e9 for ti, _, _ in boxes])
        (grow_w, resid_w), (grow_h, resid_h) = (
            robust_line(t, np.log([b[k] for _, _, b in boxes])) for k in (2, 3))
        resid = max(resid_w, resid_h)
        rate = (grow_w + grow_h) / 2
        # Looming expands on both axes at once; something coming out from behind an edge, or
        # a gap opening in the parallax of a walk, grows along one.
        if rate <= 0 or min(grow_w, grow_h) < BOTH_AXES * max(grow_w, grow_h):
            return cue
        # Growth rate ~ 1 / time to contact, trusted as far as the growth is steady.
        score = min(1.0, rate / GROWTH_FULL) * max(0.0, 1.0 - resid / MAX_RESIDUAL)
        return Looming(score=float(score), box=box, growth_per_s=rate, tau_s=tau)

    @staticmethod
    def _changes(prev: np.ndarray, cur: np.ndarray
                 ) -> tuple[list[tuple[tuple[float, float, float, float], bool]], np.ndarray, np.ndarray, np.ndarray]:
        """The boxes of the MAX_BLOBS largest blobs of change (largest first), head shift undone,
        each with whether it reaches the view's border; the two frames in grey (float), the
        earlier one shifted onto this one; and that earlier frame as it came, shifted alike."""
        # Colour matters: a red thing on a grey-green wall can have the wall's brightness.
        grey = (lambda im: cv2.cvtColor(im, cv2.COLOR_RGB2GRAY)) if cur.ndim == 3 else (lambda im: im)
        a, b = grey(prev).astype(np.float32), grey(cur).astype(np.float32)
        (dx, dy), _ = cv2.phaseCorrelate(a, b)
        shift = np.float32([[1, 0, dx], [0, 1, dy]])
        h, w = cur.shape[:2]
        aligned = cv2.warpAffine(prev, shift, (w, h), borderMode=cv2.BORDER_REPLICATE)
        before = cv2.warpAffine(a, shift, (w, h), borderMode=cv2.BORDER_REPLICATE)
        diff = cv2.absdiff(cur, aligned)
        if diff.ndim == 3:  # the largest channel's change (max over a 3-long axis: 0.17 ms, planes: 0.006)
            diff = np.maximum(np.maximum(diff[..., 0], diff[..., 1]), diff[..., 2])
        margin = int(math.ceil(max(abs(dx), abs(dy)))) + 1  # the borders the shift filled in
        diff[:margin, :] = diff[-margin:, :] = 0
        diff[:, :margin] = diff[:, -margin:] = 0
        mask = (diff > DIFF_THRESHOLD).astype(np.uint8)  # unblurred: a thin moving edge counts
        # Group nearby bits of change into one thing (the edges of a uniform object change, its
        # inside does not), then measure the group by its own changed pixels, not the grouping.
        groups = cv2.dilate(mask, np.ones((GROUP_PX, GROUP_PX), np.uint8))
        n, labels = cv2.connectedComponents(groups, connectivity=8)
        if n <= 1:
            return [], before, b, aligned
        changed = labels[mask > 0]
        counts = np.bincount(changed, minlength=n)
        counts[0] = 0
        ys, xs = np.nonzero(mask)
        out = []
        for best in np.argsort(-counts, kind="stable")[:MAX_BLOBS]:
            area = int(counts[best])
            if area < MIN_BLOB_FRACTION * w * h:
                break
            sel = changed == best
            bx, by = xs[sel], ys[sel]
            x, y, bw, bh = int(bx.min()), int(by.min()), int(bx.max() - bx.min() + 1), int(by.max() - by.min() + 1)
            if (bw * bh) / float(w * h) > MAX_BLOB_FRACTION:
                continue  # the whole view moving (walking), not an object
            # A blob that reaches the border (the band the shift filled in, or the next pixel) is
            # coming into view or leaving it: its box grows or shrinks by what the frame's edge
            # uncovers, not by closing in (the region cue keeps only regions wholly inside the
            # view for the same reason).
            edge = margin + 1
            cut = x <= edge or y <= edge or x + bw >= w - edge or y + bh >= h - edge
            out.append(((x / w, y / h, bw / w, bh / h), cut))
        return out, before, b, aligned


def _tau(track: _BlobTrack, t_ns: int) -> float:
    """Time to contact of a blob over the last TAU_WINDOW_NS, growing on both axes (inf: none)."""
    short = [b for b in track.boxes if t_ns - b[0] <= TAU_WINDOW_NS]
    if track.cut or len(short) < TAU_POINTS:
        return math.inf
    w = np.array([b[2][2] for b in short])
    h = np.array([b[2][3] for b in short])
    if math.sqrt(w[-1] * h[-1]) < TAU_MIN_SIZE or math.sqrt(w[-1] * h[-1] / (w[0] * h[0])) < TAU_GREW:
        return math.inf  # too small, or grown too little over the span for a short time to contact
    t = np.array([(b[0] - short[0][0]) / 1e9 for b in short])
    (tau_w, sc_w), (tau_h, sc_h) = time_to_contact(t, w), time_to_contact(t, h)
    if max(sc_w, sc_h) > TAU_MAX_SCATTER or not (math.isfinite(tau_w) and math.isfinite(tau_h)):
        return math.inf
    if passing_by(list(t), [b[2] for b in short]):
        return math.inf  # (scenery beside the path, or something going past)
    return max(tau_w, tau_h)  # both axes must close in: the slower one says when


def _look_tau(track: _BlobTrack, t_ns: int, before: np.ndarray, now: np.ndarray, lag_s: float) -> float:
    """Time to contact of a blob from how much its appearance grew over the lag (`scale_match`):
    inf for a blob at the view's border, one whose box has not grown over the last TAU_WINDOW_NS
    (however ragged its outline, a thing closing in at under ~3 s to contact grows by a fifth
    or more in that time; most blobs, passers-by among them, end here before any matching), one
    passing by (`passing_by`), or one whose growth is not believed."""
    short = [b for b in track.boxes if t_ns - b[0] <= TAU_WINDOW_NS]
    if track.cut or len(short) < 2:
        return math.inf
    (_, _, (_, _, w0, h0)), (_, _, (_, _, w1, h1)) = short[0], short[-1]
    if w1 * h1 <= LOOK_GREW * LOOK_GREW * w0 * h0:
        return math.inf
    tau = scale_tau(appearance_scale(before, now, track.boxes[-1][2]), lag_s)
    if math.isfinite(tau) and passing_by([(b[0] - short[0][0]) / 1e9 for b in short], [b[2] for b in short]):
        return math.inf
    return tau
