"""Issue 18's "hazards come late": a big thing swelling fast is warned of at once (`base.fast_tau`),
while scenery that flickers, a passer-by's spreading patch and a walk are not."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pytest

from glasses_agent.detectors import regions
from glasses_agent.detectors.base import fast_tau
from glasses_agent.scoring.approach import Approach

S = 1_000_000_000
TICK = S // 10
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is absent")


@dataclass(frozen=True)
class _Swelling(Approach):
    """The issue's object: a dark disc covering `share0` of the view that grows exponentially to
    `share1` in `span_s` (its time to contact span_s / ln(share1 / share0), halved when the share
    is of the view's area rather than of its height)."""

    share0: float = 0.04
    share1: float = 0.70
    span_s: float = 1.2
    of_area: bool = True
    aspect: float = 16 / 9

    def at(self, t_s: float) -> tuple[float, float, float]:
        x, y, _ = super().at(t_s)
        share = self.share0 * (self.share1 / self.share0) ** ((t_s - self.start_s) / self.span_s)
        # A disc of diameter d (fraction of the height) covers pi d^2 / (4 aspect) of the view.
        return x, y, math.sqrt(4 * share * self.aspect / math.pi) if self.of_area else share


def _swelling(start_s: float, aspect: float, of_area: bool) -> _Swelling:
    # Painted from start_s until it fills 0.7 of the view's height or span_s is over; due at once
    # (its time to contact is under 2 s from the start).
    return _Swelling(start_s, start_s + 1.2 + 0.3 / 0.7, k=0.3, x0=0.45, x1=0.45, max_size=0.7, aspect=aspect,
                     of_area=of_area)


@needs_shared
@pytest.mark.parametrize("start", [5.46, 9.1])
def test_the_issues_object_swelling_from_4_to_70_percent_of_the_view_in_1_2s_is_warned_within_0_3s(start):
    from glasses_agent.scoring import hazard_eval as he

    clip = he.load_ticks(SHARED / "video/vtest.avi", max_s=start + 1.6)
    aspect = clip.images[0].shape[1] / clip.images[0].shape[0]
    result = he.run_case(clip, he.Case(clip.path, _swelling(start, aspect, of_area=True), "dark"))
    assert result.hit, (result.warned_ns, result.due_ns)  # within 0.3 s of its start, within an hour
    assert result.warned_ns - result.due_ns <= 0.3 * S
    # Of the view's height instead (3 px of the detectors' 72 at first, 8 px 0.3 s in): no region
    # of its own until ~0.4 s in, then warned at its third sighting (the careful path took 0.75-0.8 s).
    result = he.run_case(clip, he.Case(clip.path, _swelling(start, aspect, of_area=False), "dark"))
    assert result.warned_ns is not None and result.warned_ns - result.due_ns <= 0.65 * S


def _sightings(sizes, boxes=None, extents=None, t0=0):
    """(t_ns, size, box, extent) one a tick, boxes centred at (0.45, 0.5) unless given."""
    out = []
    for i, s in enumerate(sizes):
        box = boxes[i] if boxes else (0.45 - s / 2, 0.5 - s / 2, s, s)
        out.append((t0 + i * TICK, s, box, extents[i] if extents else (box[2], box[3])))
    return out


def test_three_sightings_of_a_big_thing_swelling_on_every_side_give_its_time_to_contact_at_once():
    sizes = [0.12 * math.exp(i * 0.1 / 0.42) for i in range(3)]  # tau 0.42 s
    assert fast_tau(_sightings(sizes), 2 * TICK) == pytest.approx(0.42, rel=0.25)
    # Slower than half the 2 s limit, or too small to be a fair part of the view: the careful path's.
    assert fast_tau(_sightings([0.12 * math.exp(i * 0.1 / 1.3) for i in range(3)]), 2 * TICK) == math.inf
    assert fast_tau(_sightings([s / 3 for s in sizes]), 2 * TICK) == math.inf
    assert fast_tau(_sightings(sizes[:2]), TICK) == math.inf  # two sightings are one step: a jump


def test_a_jump_a_patch_spreading_one_way_or_one_seen_bigger_before_is_not_coming():
    # One step of a patch taking in its neighbour, between two steady sizes.
    assert fast_tau(_sightings([0.15, 0.15, 0.24]), 2 * TICK) == math.inf
    # A passer-by's dark patch (one-by-one-person, 43.7-43.9 s): its left side stays put while
    # its right side advances as a leg swings out.
    boxes = [(0.58, 0.41, 0.075 + d, 0.134 + d) for d in (0.0, 0.03, 0.07)]
    boxes = [(x, y - d / 2, w, h) for (x, y, w, h), d in zip(boxes, (0.0, 0.03, 0.07))]
    assert fast_tau(_sightings([0.13, 0.159, 0.218], boxes=boxes), 2 * TICK) == math.inf
    # Scenery whose outline flickers: seen at its size a second before.
    sizes = [0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.12, 0.15, 0.19]
    assert fast_tau(_sightings(sizes), 9 * TICK) == math.inf
    assert fast_tau(_sightings(sizes[7:]), 2 * TICK) < 1.0  # (the same three sightings alone)


def _fast_taus(monkeypatch, clip_name: str, max_s: float | None = None) -> list[float]:
    """Every time to contact the fast path gave over an unaltered clip, through the hazard path."""
    from glasses_agent.scoring import hazard_eval as he

    given: list[float] = []

    def recorded(sightings, t_ns):
        tau = fast_tau(sightings, t_ns)
        if math.isfinite(tau):
            given.append(t_ns / S)
        return tau

    monkeypatch.setattr(regions, "fast_tau", recorded)
    he.false_hazards(he.load_ticks(SHARED / "video" / clip_name, max_s=max_s))
    return given


@needs_shared
def test_a_walk_past_trees_and_toward_what_is_ahead_gets_nothing_from_the_fast_path(monkeypatch):
    assert _fast_taus(monkeypatch, "gopro_max-heromode.mp4") == []


@needs_shared
def test_people_walking_past_a_still_camera_close_by_get_nothing_from_the_fast_path(monkeypatch):
    assert _fast_taus(monkeypatch, "vtest.avi", max_s=60.0) == []
