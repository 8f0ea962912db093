"""The judge's flown object (`scoring.approach.Approach`) grows as a real thing coming closer does.

`eval hazards` and the scenario suite judge the time-to-contact cue on these discs, so their
painted size must follow the script's k / (contact - t) tick by tick: smoothly, with no step the
approach itself does not make.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from glasses_agent.scoring.approach import Approach, disc_coverage

BG = 128
INK = 30


def _painted_areas(overlay: Approach, ticks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(painted area, the script's area) in px at each tick, over a flat grey 320x180 view."""
    bg = np.full((180, 320, 3), BG, np.uint8)
    painted, script = [], []
    for t in ticks:
        img = overlay.paint(bg, float(t))
        painted.append(np.abs(img.astype(np.float64) - BG).sum() / 3 / (BG - INK))
        script.append(math.pi * (overlay.at(float(t))[2] * 180 / 2) ** 2)
    return np.array(painted), np.array(script)


@pytest.mark.parametrize("texture", [None, np.full((60, 60, 3), INK, np.uint8)], ids=["flat", "texture"])
def test_a_small_flown_disc_grows_smoothly_tick_to_tick(texture):
    # k 0.25: 9 px tall at 320x180 when its time to contact falls under 2 s, the smallest the eval flies.
    overlay = Approach(0.0, 4.0, k=0.25, x0=0.3, x1=0.37, y0=0.5, y1=0.52, color=(INK, INK, INK), texture=texture)
    painted, script = _painted_areas(overlay, np.arange(0.0, overlay.end_s, 0.1))
    assert np.all(np.diff(painted) > 0)  # monotone
    steps, truth = np.diff(np.log(painted)), np.diff(np.log(script))
    # Each tick's growth is the script's to within a tenth of it (the script's own is 5-57%; a
    # whole-pixel radius made steps of 0 and of twice the script's, 20-25% off in log area).
    assert np.max(np.abs(steps - truth)) < 0.1 * np.min(truth)
    assert np.allclose(painted, script, rtol=0.01)  # and it is the script's size (no rim added)


def test_the_disc_coverage_is_the_discs_area_and_moves_with_its_centre():
    for r in (1.3, 2.0, 4.7, 11.2):
        cover = disc_coverage(20.25, 19.8, r, (40, 40))
        assert cover.sum() == pytest.approx(math.pi * r * r, rel=0.01)
        ys, xs = np.indices(cover.shape)
        assert (xs * cover).sum() / cover.sum() == pytest.approx(20.25, abs=0.05)  # (a whole-pixel centre: up to 0.5 px off)
        assert (ys * cover).sum() / cover.sum() == pytest.approx(19.8, abs=0.05)  # (a whole-pixel centre: up to 0.5 px off)
