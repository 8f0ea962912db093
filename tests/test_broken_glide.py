"""The broken glide's runs (world_model/broken_glide.py), on made-up maps and a generated scene: which breaks count."""

from __future__ import annotations

import numpy as np

from glasses_agent.world_model.broken_glide import SMALLEST_FOLLOWED_PX, STEADY_TICKS, GlideRuns
from glasses_agent.world_model.flow_moves import splat_order
from tests.support.extrapolation_scenes import broken_glides, texture

H, W = 90, 160


def _patch_maps(patch: tuple[slice, slice]):
    """The maps a GlideRuns step takes for one patch, every pixel staying where it is: the splat order,
    the patch moving in the world, no pixel erring, the patch erring all over, and each pixel's error
    (3 noise units on the patch)."""
    order = splat_order(np.zeros((H, W, 2), np.float32))
    moving = np.zeros((H, W), bool)
    moving[patch] = True
    quiet = np.zeros((H, W), np.uint8)
    broke = quiet.copy()
    broke[patch] = 1
    relative = np.where(broke > 0, 3.0, 0.0).astype(np.float32)
    return order, moving, quiet, broke, relative


def _break_of(patch: tuple[slice, slice]) -> float:
    """A patch that moves in the world and is foretold for STEADY_TICKS + 4 ticks, then errs all over on
    one tick and never after (it vanished, the background behind it still): the broken glide's score
    of that tick (it comes with the next step, which says the place did not go on erring)."""
    order, moving, quiet, broke, relative = _patch_maps(patch)
    runs = GlideRuns()
    for _ in range(STEADY_TICKS + 4):
        assert runs.step(order, moving, quiet, relative).score == 0.0
    assert runs.step(order, moving, broke, relative).score == 0.0  # judged a tick late
    return runs.step(order, np.zeros((H, W), bool), quiet, relative).score


def test_a_followed_thing_that_breaks_all_over_is_a_broken_glide():
    """A 12 x 12 px thing (144 px, over a cell of the flow's patch grid) followed 1.2 s, gone at once."""
    score = _break_of((slice(40, 52), slice(70, 82)))
    assert score == np.float32(3.0) * 144 / (H * W)


def test_a_followed_fringe_smaller_than_a_cell_of_the_flows_patch_grid_is_not_a_thing():
    """A 3 x 6 px patch (18 px: tune-pairs3 permanence asl-night_14's plausible twin broke an 18 px
    followed patch, a signer's limb's fringe, and peaked 0.155 over its violation's 0.121): the dense
    flow has no patch of its own there (DIS every 8 x 8 work px), so its run was its surroundings'
    flow and its break says nothing of a thing; a patch of exactly a cell still counts."""
    assert SMALLEST_FOLLOWED_PX == 64
    assert _break_of((slice(40, 43), slice(70, 76))) == 0.0
    assert _break_of((slice(40, 48), slice(70, 78))) > 0.0  # 8 x 8 = 64 px


def test_a_run_is_held_through_ticks_its_flow_under_reads_the_glide():
    """A patch followed while it glides, but on every third tick its own motion reads under MOVING_PX_S
    (the flow under-reads a small or low-contrast thing on some ticks: before the 22 lost vanish /
    change tuning pairs' violations the thing's runs broke so on 175 of 330 ticks, by an error on 18):
    those ticks hold its run, so its vanishing after 8 ticks that moved is a broken glide."""
    order, moving, quiet, broke, relative = _patch_maps((slice(40, 52), slice(70, 82)))
    still = np.zeros((H, W), bool)
    runs = GlideRuns()
    for k in range(STEADY_TICKS * 3 // 2 + 1):  # 8 ticks that moved, 4 that read still
        assert runs.step(order, still if k % 3 == 2 else moving, quiet, relative).score == 0.0
    assert runs.step(order, moving, broke, relative).score == 0.0  # judged a tick late
    assert runs.step(order, still, quiet, relative).score == np.float32(3.0) * 144 / (H * W)


def test_a_patch_that_never_moved_has_no_run_to_hold():
    """The held run is only a run that moving built: a still patch (a background) that errs is never a broken glide."""
    order = splat_order(np.zeros((H, W, 2), np.float32))
    still = np.zeros((H, W), bool)
    broke = np.zeros((H, W), np.uint8)
    broke[40:52, 70:82] = 1
    relative = np.where(broke > 0, 3.0, 0.0).astype(np.float32)
    runs = GlideRuns()
    for _ in range(2 * STEADY_TICKS):
        assert runs.step(order, still, np.zeros_like(broke), relative).score == 0.0
    runs.step(order, still, broke, relative)
    assert runs.step(order, still, np.zeros_like(broke), relative).score == 0.0


def _slow_disc(ticks: int, *, vanish_at: int | None = None, hand_from: int | None = None) -> list[np.ndarray]:
    """A textured disc 24 px wide gliding 1.5 px a tick (15 px/s, just over MOVING_PX_S: the dense flow
    reads it under that on about half the ticks) over a still background of colour blocks; gone from
    `vanish_at`, and from `hand_from` a patch of its size with fresh texture each tick near where it
    was last (a hand that glided slowly, then turns and grips)."""
    rng = np.random.default_rng(0)
    world = texture(rng, H, W, 6)
    disc = texture(rng, 24, 24, 4)[:24, :24]
    yy, xx = np.mgrid[0:24, 0:24]
    inside = (yy - 11.5) ** 2 + (xx - 11.5) ** 2 <= 11.5 ** 2
    frames = []
    for k in range(ticks):
        frame = world[:H, :W].copy()
        if vanish_at is None or k < vanish_at:
            cx = int(round(20 + 1.5 * k))
            frame[33:57, cx:cx + 24][inside] = disc[inside]
        if hand_from is not None and k >= hand_from:
            x, y = int(50 + rng.uniform(-3, 3)), int(33 + rng.uniform(-3, 3))
            frame[y:y + 24, x:x + 24] = texture(rng, 24, 24, 4)[:24, :24]
        frames.append(frame)
    return frames


def test_a_slow_thing_whose_flow_reads_still_on_some_ticks_is_followed_to_its_vanishing():
    """The slow disc glides 20 ticks and vanishes: its runs held through the ticks its flow read still,
    it was followed, and its vanishing is a broken glide where it was (before: its runs broke on every
    such tick, never 8 long, and nothing was scored). Gliding on, nothing is."""
    vanished = broken_glides(_slow_disc(30, vanish_at=20))
    gliding = broken_glides(_slow_disc(30))
    assert vanished[20].score > 0.05
    assert max(g.score for k, g in enumerate(vanished) if k != 20) == 0.0
    assert max(g.score for g in gliding) == 0.0
    x, y = vanished[20].where  # where the disc was: (20 + 1.5 x 20 + 12, 45) = (62, 45) px
    assert abs(x * W - 62) < 12 and abs(y * H - 45) < 12


def test_a_slow_glide_whose_place_goes_on_erring_is_a_hand_turning_not_a_broken_glide():
    """The same slow glide, broken at tick 20 by a patch that errs on every tick after at its place (a
    hand that glided slowly, then turns and grips): its held runs do not make it a broken glide."""
    turning = broken_glides(_slow_disc(30, vanish_at=20, hand_from=20))
    assert max(g.score for g in turning) == 0.0
