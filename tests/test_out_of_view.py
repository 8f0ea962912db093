"""Out of view (world_model/out_of_view.py): what the view left is looked for when the view comes back."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.support.world_replay import surprise_and_entries

VIEW_W, VIEW_H = 320, 180  # the camera's frame; the world model works on it shrunk to 160 px


def _world(seed: int = 0) -> np.ndarray:
    """A wide scene: coloured blocks above (corners for the head's motion), a plain wall below."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(40, 215, (8, 40, 3)).astype(np.float32)
    world = np.full((VIEW_H, 900, 3), 150.0, np.float32)
    world[:90] = cv2.resize(coarse, (900, 90), interpolation=cv2.INTER_NEAREST)
    world[90:] = np.linspace(140, 160, 900, dtype=np.float32)[None, :, None]  # a faint shading
    return cv2.GaussianBlur(world, (3, 3), 0)


def _cup(world: np.ndarray, x: int, y: int) -> None:
    """A checkered disc 32 px wide on the wall: a thing to recognise."""
    yy, xx = np.mgrid[-16:16, -16:16]
    inside = xx ** 2 + yy ** 2 <= 15 ** 2
    checks = np.where(((xx // 6 + yy // 6) % 2) == 0, 40.0, 230.0)
    patch = world[y - 16:y + 16, x - 16:x + 16]
    patch[inside] = np.stack([checks, checks * 0.6, checks * 0.3], axis=-1)[inside]


PATH = [0] * 10 + [12 * k for k in range(1, 21)] + [240] * 5 + [240 - 12 * k for k in range(1, 21)] + [0] * 15


def _pan_away_and_back(*, taken: bool, seed: int = 0) -> list[np.ndarray]:
    """The view rests, pans 12 px a frame to the right until the cup (70 px into the first view)
    is out of it, rests, and pans back to where it began, and rests. `taken`: the cup is gone
    when the view comes back."""
    world = _world(seed)
    with_cup = world.copy()
    _cup(with_cup, 70, 130)
    frames = []
    for k, x in enumerate(PATH):
        scene = world if taken and k >= 30 else with_cup
        frames.append(np.clip(scene[:, x:x + VIEW_W], 0, 255).astype(np.uint8))
    return frames


def _run(frames: list[np.ndarray]) -> tuple[list[float], list[dict]]:
    return surprise_and_entries(frames, "gone_from_view")


def test_a_thing_gone_when_the_view_comes_back_is_a_surprise_where_it_was():
    surprise, gone = _run(_pan_away_and_back(taken=True))
    assert max(g["z"] for g in gone) >= 3.0  # over the prompt's bar
    strongest = max(gone, key=lambda g: g["z"])
    x, y = strongest["where"]
    # Where the cup stood, in the view of that tick (the view is still panning back).
    assert abs(x * VIEW_W - (70 - PATH[strongest["tick"]])) < 24 and abs(y * VIEW_H - 130) < 24
    assert max(surprise) >= 3.0


def test_a_thing_still_there_when_the_view_comes_back_is_not():
    surprise, gone = _run(_pan_away_and_back(taken=False))
    assert not gone
    surprise_taken, _ = _run(_pan_away_and_back(taken=True))
    assert max(surprise_taken) > max(surprise)


def test_a_thing_that_leaves_a_still_view_is_not_looked_for():
    """The cup glides out of the frame on its own while the head is still: nothing left the view
    with the head's motion, so nothing is expected back."""
    world = _world(1)
    frames = []
    for k in range(40):
        scene = world.copy()
        if 200 + 8 * k < 880:
            _cup(scene, 200 + 8 * k, 130)
        frames.append(np.clip(scene[:, :VIEW_W], 0, 255).astype(np.uint8))
    _, gone = _run(frames)
    assert not gone


def _disc(world: np.ndarray, x: int, y: int, r: int) -> None:
    """A flat orange disc, 2r px wide: a thing with no texture of its own, only its outline."""
    yy, xx = np.mgrid[-r:r, -r:r]
    inside = xx ** 2 + yy ** 2 <= (r - 1) ** 2
    world[y - r:y + r, x - r:x + r][inside] = (230.0, 140.0, 30.0)


def _pan_past_a_disc(*, taken: bool, at: tuple[int, int], r: int, shelf: bool) -> list[np.ndarray]:
    """As `_pan_away_and_back`, the thing a flat disc; `shelf`: the wall's lower part is a shelf's dark
    front, so a disc at its top edge sits on a strong edge."""
    world = _world(0)
    if shelf:
        world[120:] = 70.0
        world = cv2.GaussianBlur(world, (3, 3), 0)
    with_disc = world.copy()
    _disc(with_disc, *at, r)
    return [np.clip((world if taken and k >= 30 else with_disc)[:, x:x + VIEW_W], 0, 255).astype(np.uint8)
            for k, x in enumerate(PATH)]


def _gone_where_it_stood(gone: list[dict], at: tuple[int, int]) -> None:
    strongest = max(gone, key=lambda g: g["z"])
    assert strongest["z"] >= 3.0
    x, y = strongest["where"]
    assert abs(x * VIEW_W - (at[0] - PATH[strongest["tick"]])) < 24 and abs(y * VIEW_H - at[1]) < 24


@pytest.mark.parametrize("at, r, shelf", [
    # A disc on the edge of a shelf: where it stood still shows the edge, as busy as the patch was,
    # but the disc's own pixels now show the wall and the shelf around them.
    ((70, 120), 10, True),
    # A disc on the coloured blocks: what shows where it stood is as busy as it was.
    ((70, 50), 12, False),
], ids=["strong edge", "textured surface"])
def test_a_thing_gone_from_a_busy_place_is_a_surprise(at, r, shelf):
    _, gone = _run(_pan_past_a_disc(taken=True, at=at, r=r, shelf=shelf))
    assert gone
    _gone_where_it_stood(gone, at)
    _, still_there = _run(_pan_past_a_disc(taken=False, at=at, r=r, shelf=shelf))
    assert not still_there


FAST_PATH = [0] * 10 + [32 * k for k in range(1, 8)] + [240] * 6 + [240 - 32 * k for k in range(1, 8)] + [0] * 15
FAST_BACK = 23  # the first frame of the pan back, the cup still out of view: it is taken while the view is away


@pytest.mark.parametrize("seed", range(4))
def test_a_thing_gone_after_a_fast_pan_is_a_surprise(seed):
    """The head pans 32 px a frame (a tenth of the view): the flow reads the wall at the leaving edge
    as moving (its error where pixels leave the view). When a patch was kept only if no pixel of it
    read fast, three of these four seeds failed (on seeds 0 and 3 nothing was found gone at all). A
    patch whose fast-reading pixels look as they did a frame before, where the head's motion puts
    them, is still."""
    world = _world(seed)
    with_cup = world.copy()
    _cup(with_cup, 70, 130)

    def frames(taken: bool) -> list[np.ndarray]:
        return [np.clip((world if taken and k >= FAST_BACK else with_cup)[:, x:x + VIEW_W], 0, 255).astype(np.uint8)
                for k, x in enumerate(FAST_PATH)]

    _, gone = _run(frames(taken=True))
    assert gone
    strongest = max(gone, key=lambda g: g["z"])
    assert strongest["z"] >= 3.0
    x, y = strongest["where"]
    assert abs(x * VIEW_W - (70 - FAST_PATH[strongest["tick"]])) < 24 and abs(y * VIEW_H - 130) < 24
    _, still_there = _run(frames(taken=False))
    assert not still_there


@pytest.mark.parametrize("taken", [True, False], ids=["gone", "still there"])
def test_a_tick_without_the_heads_motion_while_away_does_not_forget_the_view(taken):
    """The view pans away over the coloured blocks (a textured wall) with a cup on them, and while it
    is held away one frame shows nothing to follow (a hand over the lens): the head's motion is
    not known on that tick and the next. What was kept is held where it was, so a cup gone when the
    view comes back is found where it stood, and one still there raises nothing. (Forgotten on that
    tick, nothing was looked for: no gone at all.)"""
    world = _world(0)
    with_cup = world.copy()
    _cup(with_cup, 70, 50)
    frames = []
    for k, x in enumerate(PATH):
        frame = np.clip((world if taken and k >= 30 else with_cup)[:, x:x + VIEW_W], 0, 255).astype(np.uint8)
        frames.append(np.full_like(frame, 20) if k == 32 else frame)
    _, gone = _run(frames)
    if taken:
        _gone_where_it_stood(gone, (70, 50))
    else:
        assert not gone


def _pan_over_a_faint_table(*, taken: bool, blank: range) -> list[np.ndarray]:
    """As `_pan_away_and_back`, the wall below faintly textured (a table: too plain to keep or to
    follow), and the frames `blank` show nothing (a hand over the lens) while the view goes on
    moving: the head's motion is unknown on those ticks and the next, and the view moves 12 px a
    frame meanwhile."""
    world = _world(0)
    rng = np.random.default_rng(10)
    world[90:] += cv2.GaussianBlur(rng.normal(0, 4, (VIEW_H - 90, 900)).astype(np.float32), (0, 0), 2)[:, :, None]
    with_cup = world.copy()
    _cup(with_cup, 70, 130)
    frames = []
    for k, x in enumerate(PATH):
        frame = np.clip((world if taken and k >= 30 else with_cup)[:, x:x + VIEW_W], 0, 255).astype(np.uint8)
        frames.append(np.full_like(frame, 20) if k in blank else frame)
    return frames


@pytest.mark.parametrize("blank", [range(20, 23), range(18, 21), range(36, 39)],
                         ids=["going out", "as it leaves", "coming back"])
def test_a_thing_that_stayed_is_not_gone_after_ticks_without_the_heads_motion(blank):
    """The failure of holding what is kept through ticks without the head's motion (oov5, reverted):
    the patches stayed where the chain left them while the head moved on, were looked for where
    the cup no longer stood, and the plain table there said "gone" (z 3.1 going out). Kept patches
    are not judged after such ticks until they are found again, so a cup that stayed raises nothing."""
    _, gone = _run(_pan_over_a_faint_table(taken=False, blank=blank))
    assert not gone


@pytest.mark.parametrize("blank", [range(22, 25), range(36, 39)], ids=["going out", "coming back"])
def test_a_thing_gone_after_ticks_without_the_heads_motion_is_found_once_the_view_is_found_again(blank):
    """The same pans with the cup taken: the kept patches of the coloured blocks are found again some
    way off where the chain put them, that offset sets every kept patch right, and the cup's patches
    are then judged where it stood. (Forgotten on those ticks, as main did: nothing found gone.)"""
    _, gone = _run(_pan_over_a_faint_table(taken=True, blank=blank))
    assert gone
    _gone_where_it_stood(gone, (70, 130))
