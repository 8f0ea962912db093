"""Mover rules: a gliding thing that breaks its rule in open view.

The hidden-mover channel (hidden_movers.py) follows a gliding thing by its own look and fits its
speed to where it was seen. What it keeps is an expectation of that one thing: on the next tick its
look is where its way puts it. A signer's hands never glide (they are let go), so this expectation
speaks for small steady things whose broken rule the extrapolation's regions cannot tell from the
hands' bursts.

A gliding mover not seen where its way puts it, inside the view:
- with a side of its look still seen there, it may be going behind something still: an edge that
  stands still covers a thing sliding behind it from its leading side, and its trailing side stays in
  view a while (left to the hidden-mover channel, which expects it out on the far side). A look seen
  on its trailing side alone was partly background from the start; nothing is said either.
- lost all over at once (both its leading and trailing thirds, and not its look relit: a slow change
  of light takes a look cut once out of its colours all over), it broke its rule. What stands on its
  way now is followed on probation at its speed: seen gliding on for CONFIRM_TICKS, the thing
  CHANGED into something else. Its look found moving far off its way (farther than its own size) and
  gliding on from there: it JUMPED. Where nothing moves there as it is lost, or nothing moves or
  changes there on the next tick, it is GONE in open view (something moving that came over it would
  still be moving there).
Each raises a z once, with its place and how; under the prompt's bar, as a single tick's broken rule
is odd rather than alarming. Nothing here is keyed to how a thing is drawn (its shape, its edge,
its size): only its own look, its fitted speed and what stands where it should be.

How odd a loss is goes with how much of the look is gone at once (`gone_z`): none of it seen where
its way puts it is the rule broken outright (Z); a look still nearly half seen there (both thirds
near TRAIL_LOST) is a loss we may have read wrongly (a hand passing over part of it, a look that was
partly background from the start) and scores near nothing. A flat Z gave a plausible twin's
half-lost mover the same cap as a real violation's wholly lost one, and the two tied (this rule's
first round: docs/world-model-notes.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

TRAILING = 1 / 3  # the rear share of its look (along its way) that an edge in front of it covers last
TRAIL_LOST = 0.5  # share of the trailing part seen under which the trailing part is lost too
STILL = 0.2  # share of its place that moves or changed under which nothing does (hidden_movers.GONE_MOVING)
CONFIRM_TICKS = 2  # ticks a successor is seen on the lost one's way before it is the lost one changed
SPEED_DOUBT = 0.5  # ... its fitted velocity within this share of the lost one's speed
GONE = "gone in open view"
CHANGED = "changed into something else"
JUMPED = "jumped off its way"
MATCH = 14.0  # Lab units (hidden_movers.MATCH) within which a pixel of a look is seen
SEEN = 0.6  # share of its look seen (hidden_movers.SEEN) for it to be there relit, or found far off its way ...
ARRIVING = 0.5  # ... half of them where something moves or changed (it came there this tick)
MAX_PLACES = 400  # places tried for it at most, those where most of its look would land on what moved or changed
Z = 2.0  # under the prompt's 3: one tick's broken rule is odd, not alarming


@dataclass(frozen=True)
class Broken:
    """A gliding mover that broke its rule this tick: z, where it should have been (fractions of the
    view), what happened and when (seconds, the frames' clock)."""

    z: float
    where: tuple[float, float]
    what: str  # "gone in open view", "changed into something else" or "jumped off its way"
    at: float

    def reason(self) -> str:
        return f"a gliding thing {self.what} at {self.at:.1f} s"


def trailing_part(xs: np.ndarray, ys: np.ndarray, velocity: tuple[float, float]) -> np.ndarray:
    """Which pixels of a look (offsets xs, ys) trail along its way: the rear TRAILING of them."""
    along = xs * velocity[0] + ys * velocity[1]
    return along <= np.quantile(along, TRAILING)


def lost_all_over(seen: np.ndarray, trailing: np.ndarray) -> bool:
    """Whether a gliding mover not seen where its way puts it is lost on both sides: `seen` which
    pixels of its look are seen there, `trailing` which of them trail. A thing going behind something
    still keeps its trailing side in view for a while; a look seen on one side only was partly
    background from the start."""
    return float(seen[trailing].mean()) < TRAIL_LOST and float(seen[~trailing].mean()) < TRAIL_LOST


def gone_z(seen_share: float) -> float:
    """The z of a loss by the share of the look still seen where its way put it: Z when none of it is,
    falling to 0 at TRAIL_LOST (where `lost_all_over` stops calling it lost)."""
    return Z * float(np.clip(1.0 - seen_share / TRAIL_LOST, 0.0, 1.0))


def relit(look: np.ndarray, there: np.ndarray) -> bool:
    """Whether the colours at a lost mover's place (`there`, (N, 3) Lab) are its look's (`look`) under
    another light: within MATCH of them once the median shift between the two is taken out. Its look
    is cut once, so a light that changes slowly takes it out of MATCH all over at once."""
    off = there - look
    off -= np.median(off, axis=0)
    return float((np.abs(off).max(axis=1) <= MATCH).mean()) >= SEEN


def read_loss(mover, window, lab: np.ndarray, best: tuple[int, int], big_w: int, big_h: int) -> float | None:
    """`lost_all_over` for a gliding mover (hidden_movers._Mover) not seen where its way puts it:
    `window` is the hidden_movers._Window its search made, `best` the corner of its box where most of
    its look was seen near its way. None when it is not lost, or when what is there is its look
    relit; else the share of its look still seen there (`gone_z`)."""
    seen, _ = window.seen(mover, np.array([best]), big_w, big_h)
    if not lost_all_over(seen[0], trailing_part(mover.xs, mover.ys, mover.velocity)):
        return None
    x, y = best
    if relit(mover.colours, lab[np.clip(mover.ys + y, 0, big_h - 1), np.clip(mover.xs + x, 0, big_w - 1)]):
        return None
    return float(seen[0].mean())


def still_there(window, mover, x: int, y: int, big_w: int, big_h: int) -> bool:
    """Nothing moves or changed colour where a mover's look would be with its box's corner at (x, y)."""
    return float(window.arriving_at(mover, x, y, big_w, big_h).mean()) < STILL


def successor(mover, lab: np.ndarray | None, x: int, y: int, t: float, what: str, seen_share: float):
    """A mover on probation (`what`: CHANGED or JUMPED) at corner (x, y), with the lost gliding one's
    way and speed: for CHANGED its look is what stands where the lost one's way put it now (`lab`),
    for JUMPED the lost one's look where it turned up (`lab` None). Seen moving on at that speed for
    CONFIRM_TICKS, the lost one broke its rule that way. A CHANGED one not seen on the next tick where
    nothing moves or changed on the lost one's way (`still_there`) means the lost one is GONE: had
    something moving come over it, it would still be moving there."""
    colours = mover.colours
    if lab is not None:
        big_h, big_w = lab.shape[:2]
        colours = lab[np.clip(mover.ys + y, 0, big_h - 1), np.clip(mover.xs + x, 0, big_w - 1)].copy()
    # Its places go on from the lost one's, shifted to where it is now, so its speed is fitted over both.
    dx, dy = x - mover.places[-1][1], y - mover.places[-1][2]
    places = [(pt, px + dx, py + dy) for pt, px, py in mover.places] if what == JUMPED else list(mover.places)
    places = (places + [(t, float(x), float(y))])[-len(mover.places):]
    return replace(mover, colours=colours, x=float(x), y=float(y), places=places, seen_ticks=0, hidden_since=None,
                   cover=None, due_since=None, probation=what, was=mover.velocity, lost_at=t,
                   lost_seen=seen_share)


def confirmed(mover) -> bool:
    """A mover on probation (`successor`) seen CONFIRM_TICKS on its way, at the lost one's speed."""
    vx, vy = mover.was
    off = float(np.hypot(mover.velocity[0] - vx, mover.velocity[1] - vy))
    return mover.seen_ticks >= CONFIRM_TICKS and off <= SPEED_DOUBT * float(np.hypot(vx, vy))


def jumped_to(mover, window, expected: tuple[int, int], big_w: int, big_h: int, edge: int) -> tuple[int, int] | None:
    """Where a lost gliding mover's look turned up this tick, moving, farther from where its way puts
    it (`expected`, its box's corner) than its own size: not where its speed could have carried it.
    `window` a hidden_movers._Window over the whole view; its box `edge` px or more inside the view."""
    w, h = mover.size
    counts = window.arriving_counts(mover)[: big_h - h + 1 - edge, : big_w - w + 1 - edge]
    counts[:edge], counts[:, :edge] = 0, 0  # inside the view: at its edge a part of something may come in
    ys, xs = np.nonzero(counts >= ARRIVING * SEEN * len(mover.xs))
    far = np.hypot(xs - expected[0], ys - expected[1]) > max(w, h)
    xs, ys = xs[far], ys[far]
    if not len(xs):
        return None
    if len(xs) > MAX_PLACES:
        keep = np.argsort(-counts[ys, xs], kind="stable")[:MAX_PLACES]
        xs, ys = xs[keep], ys[keep]
    corners = np.stack([xs, ys], 1)
    shares, moving = window.shares(mover, corners, big_w, big_h)
    shares = np.where(moving >= ARRIVING, shares, 0.0)
    k = int(np.argmax(shares))
    return (int(corners[k, 0]), int(corners[k, 1])) if shares[k] >= SEEN else None


def broken(what: str, mover, x: float, y: float, big_w: int, big_h: int, t: float, seen_share: float) -> Broken:
    """The rule `what` broken by a mover whose box's corner is at (x, y), lost at t with `seen_share`
    of its look still seen where its way put it."""
    w, h = mover.size
    return Broken(gone_z(seen_share), ((x + w / 2) / big_w, (y + h / 2) / big_h), what, t)
