"""A walker dropped a moment ago is known again when it shows (identity.reidentify).

Generated frames at 10 Hz over a plain background: a walker (a coat over trousers whose legs swing
apart and together, so its outline is not rigid, like a real walker's) walks right behind a pillar.
The object memory does not carry a non-rigid thing behind an occluder: it drops it, last seen as the
sliver of its edge going in, and the walker comes out as a sliver a second or two later. On main the
stricter claim compares the newcomer with that last sliver (size and colours) and gives a new id; the
re-identification compares it also with how the walker looked alone and whole, where its way on
carries it, and keeps the id. A walker of another look coming out there is not given it.
"""

from __future__ import annotations

import numpy as np
import pytest

from glasses_agent.world_model.objects import ObjectMemory

W, H = 160, 120
PILLAR = (60, 140, 60)
RED_COAT, JEANS = (150, 40, 40), (70, 100, 170)
DARK_COAT, OLIVE = (40, 40, 55), (120, 120, 60)


def frame(x: float | None, i: int, pillar: tuple[int, int], look: tuple) -> np.ndarray:
    img = np.empty((H, W, 3), np.uint8)
    img[:] = (150, 150, 150)
    if x is not None:
        stride = 5 if i % 2 else 2  # legs apart, then together
        x0 = int(round(x - 5))
        img[50:62, x0:x0 + 10] = look[0]
        img[62:74, x0 + 5 - stride:x0 + 5 + stride] = look[1]
    img[30:100, pillar[0]:pillar[1]] = PILLAR
    return img


def ids_before_and_after(speed: float, width: int, look_after: tuple = (RED_COAT, JEANS)) -> tuple[set, set]:
    """The ids shown on the walker before it reaches a pillar of `width` px at x 70 and after it has come
    out (walking right from x 10 at `speed` px a frame; from behind the pillar on it looks as `look_after`)."""
    memory, pillar = ObjectMemory(), (70, 70 + width)
    before, after = set(), set()
    for i in range(int(5 + 140 / speed)):
        x = None if i < 5 else 10 + speed * (i - 5)  # empty frames first: the ground is learnt
        look = (RED_COAT, JEANS) if x is None or x < pillar[1] else look_after
        memory.step(frame(x, i, pillar, look), i * 0.1)
        if x is None or i < 12 or pillar[0] - 6 < x < pillar[1] + 6:
            continue
        shown = {tr.id for tr in memory.visible_tracks() if tr.box[0] <= x <= tr.box[2]}
        (before if x < pillar[0] else after).update(shown)
    return before, after


@pytest.mark.parametrize("speed,width", [(1.5, 16), (2.0, 24), (1.5, 32)])
def test_a_walker_who_passed_behind_a_pillar_keeps_its_id(speed, width):
    before, after = ids_before_and_after(speed, width)
    assert len(before) == 1 and after == before


def test_another_walker_coming_out_from_behind_the_pillar_gets_a_new_id():
    before, after = ids_before_and_after(2.0, 24, look_after=(DARK_COAT, OLIVE))
    assert len(before) == 1 and after and not after & before
