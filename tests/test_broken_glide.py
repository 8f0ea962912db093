"""The broken glide's runs (world_model/broken_glide.py), stepped on made-up maps: which breaks count."""

from __future__ import annotations

import numpy as np

from glasses_agent.world_model.broken_glide import SMALLEST_FOLLOWED_PX, STEADY_TICKS, GlideRuns
from glasses_agent.world_model.flow_moves import splat_order

H, W = 90, 160


def _break_of(patch: tuple[slice, slice]) -> float:
    """A patch that moves in the world and is foretold for STEADY_TICKS + 4 ticks, then errs all over on
    one tick and never after (it vanished, the background behind it still): the broken glide's score
    of that tick (it comes with the next step, which says the place did not go on erring)."""
    order = splat_order(np.zeros((H, W, 2), np.float32))  # every pixel stays where it is
    moving = np.zeros((H, W), bool)
    moving[patch] = True
    quiet = np.zeros((H, W), np.uint8)
    broke = quiet.copy()
    broke[patch] = 1
    relative = np.where(broke > 0, 3.0, 0.0).astype(np.float32)
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
