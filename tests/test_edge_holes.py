"""A region of error on the view's edge: the hole a thing left going out across it, or a vanish there."""

from __future__ import annotations

import numpy as np

from glasses_agent.world_model.edge_holes import went_out

W, H = 160, 90


def _tick(*, now_shows: str, motion_y: float):
    """A still background, a wall left dark and right light (Lab); a thing (a bright 20 x 12 block)
    stood at the view's lower edge the tick before, its own motion then `motion_y` px/s (down is out
    across that edge). Now its place shows the background beside it (`now_shows` "background") or
    another thing ("another"); the region of error is the block's place."""
    rng = np.random.default_rng(0)
    wall = np.zeros((H, W, 3), np.float32)
    wall[..., 0] = np.where(np.arange(W) < 80, 60.0, 170.0)[None, :]
    wall[..., 1:] = 128.0
    wall += rng.normal(0, 3.0, wall.shape).astype(np.float32)
    before, seen = wall.copy(), wall.copy()
    region = np.zeros((H, W), bool)
    region[H - 12:, 40:60] = True
    before[region] = (230.0, 150.0, 170.0)
    if now_shows == "another":
        seen[region] = (140.0, 90.0, 200.0)
    own_before = np.zeros((H, W, 2), np.float32)
    own_before[region, 1] = motion_y
    box = np.array([40, H - 12, 20, 12, int(region.sum())])
    return box, region.astype(np.int32), 1, region.copy(), seen, before, own_before


def test_a_thing_that_sank_across_the_edge_left_a_hole_one_that_held_still_or_was_replaced_did_not():
    """The tuning set's pan-away-and-back controls (asl-book_00, asl-learn_05): a signer's lowered hands
    drop below the view's lower edge within one tick, and the hole where they were, reaching the edge,
    erred as a vanish (z 5.0 and 3.9, their bare references under 3). A thing whose place now shows the
    background beside it, and that was moving out across the edge, went out; one that held still or moved
    inward may have vanished there, and one whose place shows something new changed (voe_dev's
    permanence sam2_03_blocks_0: a bright thing where dark background was, at the top edge)."""
    assert went_out(*_tick(now_shows="background", motion_y=6.0), W, H)
    assert not went_out(*_tick(now_shows="background", motion_y=0.0), W, H)
    assert not went_out(*_tick(now_shows="background", motion_y=-6.0), W, H)
    assert not went_out(*_tick(now_shows="another", motion_y=6.0), W, H)
