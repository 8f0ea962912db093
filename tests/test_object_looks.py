"""The world model's object boxes timed by their appearance (`detectors.object_looks`), the third looming
cue: a box of the thing's own size where neither the change cue nor the region cue finds one."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from glasses_agent.detectors.looming import LoomingCue
from glasses_agent.detectors.object_looks import ObjectLookCue

S = 1_000_000_000
TICK = S // 10
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is absent")
W, H = 128, 72


def _texture(seed: int, size: int) -> np.ndarray:
    """Smooth random texture (blurred noise), grey uint8."""
    noise = np.random.default_rng(seed).uniform(0, 255, (size, size)).astype(np.float32)
    return np.clip(cv2.GaussianBlur(noise, (0, 0), 3) * 3 - 255, 0, 255).astype(np.uint8)


def _scene(side_px: float, center: tuple[float, float]) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """A still textured view with a textured square of `side_px` about `center` (its texture scaled with
    its size: a thing seen nearer), drawn at four times the resolution and reduced (its size to a
    quarter pixel, as a real thing's edge blends), and the square's box (fractions of the view)."""
    up = 4
    view = cv2.resize(_texture(1, 400), (W * up, H * up), interpolation=cv2.INTER_AREA)
    side = int(round(side_px * up))
    thing = cv2.resize(_texture(2, 200), (side, side), interpolation=cv2.INTER_AREA)
    x0, y0 = int(round((center[0] - side_px / 2) * up)), int(round((center[1] - side_px / 2) * up))
    view[y0:y0 + side, x0:x0 + side] = thing
    box = (x0 / (W * up), y0 / (H * up), side / (W * up), side / (H * up))
    return cv2.resize(view, (W, H), interpolation=cv2.INTER_AREA), box


def _run(sides: list[float], centers: list[tuple[float, float]], widened: frozenset[int] = frozenset()) -> list[float]:
    """Each tick's time to contact from the cue, given the thing's own box as the world's box of the tick
    before (on the ticks in `widened`, a box half again as wide: the tracker's blob took in a neighbour)."""
    frames, cue, out, last_box = LoomingCue(), ObjectLookCue(), [], None
    for i, (side, center) in enumerate(zip(sides, centers)):
        image, box = _scene(side, center)
        if i in widened:
            box = (box[0] - box[2] / 4, box[1], box[2] * 1.5, box[3])
        frames.update(image, i * TICK)
        found = cue.update([(7, last_box)] if last_box is not None else [], i * TICK, frames.frames_for_scale)
        out.append(found.tau_s if found is not None else math.inf)
        last_box = box
    return out


def test_a_textured_thing_closing_steadily_is_timed_from_its_boxes_appearance():
    """A thing 2.9 s from contact at the start, closing steadily: its side is proportional to
    1 / (time to contact). Once its estimates agree over four ticks the cue gives a time to
    contact near the truth, at the thing's place."""
    contact = 2.9
    sides = [9.0 * contact / (contact - 0.1 * i) for i in range(16)]  # 9 px at the start, 16 at 1.3 s
    taus = _run(sides, [(64.0, 36.0)] * len(sides))
    given = [(i, tau) for i, tau in enumerate(taus) if math.isfinite(tau)]
    assert given, taus
    for i, tau in given:
        assert tau == pytest.approx(contact - 0.1 * i, abs=0.6), (i, tau)
    assert given[0][0] <= 12, given  # the first estimate by 1.7 s to contact


def test_a_box_that_was_bigger_a_moment_ago_is_not_timed_at_a_short_time_to_contact():
    """The same closing thing, but the tracker's box took in a neighbour for two ticks (half again
    as wide) and shrank back: for the next 1.2 s the box was bigger before than a thing closing at
    the appearance's time to contact could have been, so no estimate is given then (a walker's box
    on vtest read 1.66 s so); the same run without the widened boxes gives them."""
    contact = 2.9
    sides = [9.0 * contact / (contact - 0.1 * i) for i in range(16)]
    plain = _run(sides, [(64.0, 36.0)] * len(sides))
    widened = _run(sides, [(64.0, 36.0)] * len(sides), widened=frozenset({5, 6}))
    assert any(math.isfinite(t) for t in plain[8:15]), plain
    assert all(math.isinf(t) for t in widened[8:15]), widened


def test_a_box_that_does_not_grow_or_only_drifts_past_gives_no_time_to_contact():
    """The same textured thing held at one size, and one sliding across the view at one size:
    nothing closing, so no estimate is ever given (no box growth, nothing matched)."""
    assert all(math.isinf(t) for t in _run([14.0] * 16, [(64.0, 36.0)] * 16))
    assert all(math.isinf(t) for t in _run([14.0] * 16, [(30.0 + 4 * i, 36.0) for i in range(16)]))


def test_a_box_growing_over_scenery_that_does_not_grow_is_not_timed():
    """A box that grows (a foreground blob taking in more of the view) over content that only stays
    where it was: the appearance match finds no scale that explains it better than none."""
    frames, cue = LoomingCue(), ObjectLookCue()
    image, _ = _scene(14.0, (64.0, 36.0))
    for i in range(16):
        frames.update(image, i * TICK)
        side = 10.0 + i
        box = ((64 - side / 2) / W, (36 - side / 2) / H, side / W, side / H)
        assert cue.update([(3, box)], i * TICK, frames.frames_for_scale) is None, i


@needs_shared
def test_a_textured_crop_flown_over_vtests_walkers_is_warned_of_in_time():
    """Seed 0's textured k 0.6 case over vtest.avi (`eval hazards --half tuning --seed 0`): its change runs
    into the walkers' and its crop has no even piece the region cue follows, so main never warned.
    The object memory's box is of its size, and its appearance times it: warned by 0.3 s after
    due, at its clock hour."""
    from glasses_agent.scoring import hazard_eval as he
    from tools.data_splits import SHARED_DATA, clips

    loaded = [he.load_ticks(p, max_s=20.0) for p in clips("video", "tuning", SHARED_DATA)]
    cases = he.approach_cases(loaded, he.texture_crops(loaded, 12, 1), seed=0)
    case = next(c for c in cases if c.clip.name == "vtest.avi" and c.contrast == "texture" and c.overlay.k == 0.6)
    result = he.run_case(next(c for c in loaded if c.path == case.clip), case)
    assert result.hit, (result.warned_ns, result.due_ns, result.clock_warned, result.clock_due)
    assert result.false_before == 0


def test_among_many_growing_boxes_the_thing_near_the_heading_is_timed_and_few_are_matched(monkeypatch):
    """A walk gives the world's object memory many boxes a tick, several of them growing (about 6 of
    20 on the gopro walk), and each appearance match costs the detectors' tick. Five boxes off the
    heading that grow faster than the thing (blobs taking in more of the view over scenery that only
    stays) beside the textured thing closing at the view's centre: only the few nearest to covering
    the heading are matched a tick, and the thing is still timed near its true time to contact."""
    from glasses_agent.detectors import object_looks

    matched: list[int] = []
    real = object_looks.appearance_scale

    def counted(before, now, box):
        matched[-1] += 1
        return real(before, now, box)

    monkeypatch.setattr(object_looks, "appearance_scale", counted)
    contact = 2.9
    frames, cue, given, last = LoomingCue(), ObjectLookCue(), [], []
    for i in range(16):
        image, box = _scene(9.0 * contact / (contact - 0.1 * i), (64.0, 36.0))
        frames.update(image, i * TICK)
        matched.append(0)
        found = cue.update(last, i * TICK, frames.frames_for_scale)
        if found is not None:
            given.append((i, found.tau_s))
        side = 8.0 + 1.5 * i  # from 8 px to 30: over 0.5 s an area growth of 1.5-2.5, the thing's 1.2-1.4
        decoys = [(12 + k, ((cx - side / 2) / W, (cy - side / 2) / H, side / W, side / H))
                  for k, (cx, cy) in enumerate([(20, 18), (108, 18), (20, 54), (108, 54), (64, 14)])]
        last = [(7, box)] + decoys
    assert max(matched) <= object_looks.MAX_MATCHED, matched
    assert given, given
    for i, tau in given:
        assert tau == pytest.approx(contact - 0.1 * i, abs=0.6), (i, tau)
