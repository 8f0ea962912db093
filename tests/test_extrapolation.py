"""Motion extrapolation (world_model/extrapolation.py): steady motion is foretold, a broken one is not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from glasses_agent.world_model.extrapolation import MotionExtrapolation
from glasses_agent.world_model.flow_moves import splat_forward
from tests.support.extrapolation_scenes import broken_glides, texture

W, H = 160, 90
VOE_DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "voe_dev"


def _scene(ticks: int, *, vanish_at: int | None = None, change_at: int | None = None, pan_px: float = 0.0,
           seed: int = 0, cell: int = 6) -> list[np.ndarray]:
    """A background of random colour blocks `cell` px wide (panned `pan_px` a tick) with a textured
    disc gliding 3 px a tick."""
    rng = np.random.default_rng(seed)
    world = texture(rng, H + 40, W + 200, cell)
    disc = texture(rng, 24, 24, 4)[:24, :24]
    other = texture(rng, 24, 24, 6)[:24, :24]
    yy, xx = np.mgrid[0:24, 0:24]
    inside = (yy - 11.5) ** 2 + (xx - 11.5) ** 2 <= 11.5 ** 2
    frames = []
    for k in range(ticks):
        x0 = int(round(k * pan_px))
        frame = world[20:20 + H, x0:x0 + W].copy()
        gone = vanish_at is not None and k >= vanish_at
        if not gone:
            look = other if change_at is not None and k >= change_at else disc
            cx = 20 + 3 * k
            patch = frame[33:57, cx:cx + 24]
            patch[inside[:, :patch.shape[1]]] = look[:, :patch.shape[1]][inside[:, :patch.shape[1]]]
        frames.append(frame)
    return frames


def _scores(frames: list[np.ndarray]) -> list:
    """Each tick's verdict, by the tick it is about: a tick's regions are judged when the next
    tick says whether they went on (an animate thing's do), so tick k's verdict comes with k + 1."""
    model = MotionExtrapolation()
    verdicts = [model.step(f, 0.1 * k) for k, f in enumerate(frames)]
    return verdicts[1:]


def test_a_steadily_gliding_thing_is_foretold_and_its_vanishing_is_not():
    steady = [u.score for u in _scores(_scene(30))]
    broken = _scores(_scene(30, vanish_at=20))
    assert max(steady[3:]) < 0.05
    assert broken[20].score > 4 * max(steady[3:])
    # Where it should have been: the disc's centre on tick 20 (x = 20 + 60 + 12 px, y = 45 px).
    x, y = broken[20].where
    assert abs(x * W - 92) < 12 and abs(y * H - 45) < 12


def test_a_thing_that_turns_into_another_thing_is_not_foretold():
    steady = [u.score for u in _scores(_scene(30))]
    changed = _scores(_scene(30, change_at=20))
    assert changed[20].score > 3 * max(steady[3:])


def test_a_steady_pan_is_foretold():
    """The view pans 4 px a tick against the disc's 3 the other way. Over blocks 16 px wide (real
    backgrounds' scale at 160 px); finer random blocks fool the flow (the module's docstring)."""
    panned = [u.score for u in _scores(_scene(30, pan_px=4.0, cell=16))]
    vanished = [u.score for u in _scores(_scene(30, pan_px=4.0, cell=16, vanish_at=20))]
    assert max(panned[3:]) < 0.1
    assert vanished[20] > 2 * max(panned[3:])


def test_splat_moves_each_pixel_by_its_displacement_and_the_faster_stays_in_front():
    image = np.zeros((4, 6, 1), np.float32)
    image[1, 1, 0] = 5.0  # moves 2 px right, onto (1, 3)
    image[1, 3, 0] = 7.0  # still: it lands where it was, and loses to the faster one
    shift = np.zeros((4, 6, 2), np.float32)
    shift[1, 1] = (2.0, 0.0)
    predicted, known = splat_forward(image, shift)
    assert predicted[1, 3, 0] == 5.0
    assert not known[1, 1]  # nothing came to where the mover was: not judged


def _flailing(frames: list[np.ndarray], seed: int = 1, xs: tuple[float, float] = (2, 18),
              ys: tuple[float, float] = (46, 50), size: int = 40) -> list[np.ndarray]:
    """`frames` with a limb-like patch (`size` px) that errs every tick wherever it goes: new
    texture each tick, wandering a few pixels at random within `xs`, `ys` (its corner; no motion
    foretells it). By default at the view's lower left, larger than the disc and clear of its path
    by more than the chains' reach."""
    rng = np.random.default_rng(seed)
    out, x, y = [], sum(xs) / 2, sum(ys) / 2
    for frame in frames:
        frame = frame.copy()
        x, y = float(np.clip(x + rng.uniform(-4, 4), *xs)), float(np.clip(y + rng.uniform(-3, 3), *ys))
        frame[int(y):int(y) + size, int(x):int(x) + size] = texture(rng, size, size, 4)[:size, :size]
        out.append(frame)
    return out


def test_an_animate_thing_that_errs_every_tick_does_not_hide_a_thing_that_vanishes():
    """A patch that errs every tick (a signer's hands, a walker's limbs) makes regions of
    unforetold error about as large as a small disc's vanishing (scored by the largest region
    alone: 0.069 against 0.077, which its z cannot tell apart); they go on from tick to tick, so
    they are not what broke, and the vanishing (one tick, where nothing erred before or after) stands alone."""
    flailing = [u.score for u in _scores(_flailing(_scene(30)))]
    vanished = _scores(_flailing(_scene(30, vanish_at=20)))
    assert max(flailing[3:]) < 0.25 * vanished[20].score
    assert max(u.score for k, u in enumerate(vanished) if k >= 3 and k != 20) < 0.25 * vanished[20].score
    x, y = vanished[20].where
    assert abs(x * W - 92) < 12 and abs(y * H - 45) < 12


def test_a_thing_followed_in_open_view_that_vanishes_beside_a_flailing_hand_is_found():
    """The disc glides 20 ticks and vanishes where it meets a patch that errs every tick (a signer's
    hand beside a thing that breaks its rule): its hole is within the chain's reach of the patch's
    regions, so the regions' verdict hardly moves (0.006 against 0.002 while it glides), but the
    place where a glide foretold well for 0.8 s or more errs: the broken glide, 0.08 against 0.001."""
    beside = dict(xs=(101, 104), ys=(50, 54), size=30)
    regions_gliding = [u.score for u in _scores(_flailing(_scene(30), **beside))]
    regions_vanished = [u.score for u in _scores(_flailing(_scene(30, vanish_at=20), **beside))]
    assert regions_vanished[20] < 4 * max(regions_gliding[3:])  # the regions alone cannot tell it
    gliding = [g.score for g in broken_glides(_flailing(_scene(30), **beside))]
    vanished = broken_glides(_flailing(_scene(30, vanish_at=20), **beside))
    assert vanished[20].score > 20 * max(gliding[3:])
    assert vanished[20].score > 20 * max(g.score for k, g in enumerate(vanished) if k >= 3 and k != 20)
    x, y = vanished[20].where  # where the disc should have been: (92, 45) px
    assert abs(x * W - 92) < 12 and abs(y * H - 45) < 12


def _turns_and_grips(frames: list[np.ndarray], at: int, seed: int = 2) -> list[np.ndarray]:
    """`frames` (the disc gone from tick `at`) with a thing of the disc's size erring every tick
    from `at` on where the disc was last: a hand that glided and then turns and grips."""
    rng = np.random.default_rng(seed)
    out = []
    for k, frame in enumerate(frames):
        frame = frame.copy()
        if k >= at:
            x, y = int(80 + rng.uniform(-3, 3)), int(33 + rng.uniform(-3, 3))
            frame[y:y + 24, x:x + 24] = texture(rng, 24, 24, 4)[:24, :24]
        out.append(frame)
    return out


def test_a_glide_whose_place_goes_on_erring_is_a_hand_turning_not_a_broken_glide():
    """The same glide broken at tick 20, but its place errs again on every tick after (a hand that
    moved on steadily, then turns and grips): not scored, where the vanished disc's was."""
    vanished = broken_glides(_scene(30, vanish_at=20))
    turning = broken_glides(_turns_and_grips(_scene(30, vanish_at=20), at=20))
    assert vanished[20].score > 0.05
    assert max(g.score for g in turning[3:]) < 0.1 * vanished[20].score


@pytest.mark.skipif(not VOE_DEV.is_dir(), reason="../shared/data/voe_dev is not here")
# sam2_04_coffee_1: the vanished thing's place was filled by the flow from the background beside it, which
# still showed itself (the plausible twin peaked 0.17, the vanish 0.08 before flow_moves.BORROW_*).
@pytest.mark.parametrize("name", ["real_permanence_vtest_1", "real_continuity_box_0", "real_constancy_sam2_04_coffee_0",
                                  "real_permanence_sam2_04_coffee_1"])
def test_the_world_model_finds_the_broken_twin_on_real_footage(name):
    """The world model's pixel half (no latents, as the agent runs without checkpoints): the
    implausible twin of a real-footage pair peaks higher than its plausible twin."""
    from glasses_agent.context import TickContext
    from glasses_agent.world_model.recordings import clip_ticks
    from glasses_agent.world_model.world import WorldModel

    def peak(path: Path) -> float:
        world = WorldModel(None, use_latent=False)
        return max(world.step(TickContext(tick=t)).surprise for t in clip_ticks(path))

    assert peak(VOE_DEV / f"{name}_implausible.mp4") > peak(VOE_DEV / f"{name}_plausible.mp4")


def _rising_hand(ticks: int, *, comes_in: bool, seed: int = 3) -> list[np.ndarray]:
    """A still background of colour blocks 16 px wide; from tick 10 a hand (a textured disc 18 px
    wide) on a plain arm shows at the view's lower edge, cut by it. `comes_in`: it rose into view
    across the edge (from below the frame, 14 px in one tick) and goes on rising 3 px a tick, as a
    signer's hand does; else it popped up at the edge (nothing foretold it either) and stays put."""
    rng = np.random.default_rng(seed)
    world = texture(rng, H, W, 16)[:H, :W]
    hand = texture(rng, 18, 18, 4)[:18, :18]
    yy, xx = np.mgrid[0:18, 0:18]
    disc = (yy - 8.5) ** 2 + (xx - 8.5) ** 2 <= 8.5 ** 2
    frames = []
    for k in range(ticks):
        frame = world.copy()
        if k >= 10:
            top = H - 14 - (3 * (k - 10) if comes_in else 0)  # the hand's top row
            frame[top + 9:, 74:84] = (205.0, 160.0, 40.0)  # the arm, down to and beyond the edge
            rows = slice(top, min(H, top + 18))
            inside = disc[: rows.stop - top]
            frame[rows, 70:88][inside] = hand[: rows.stop - top][inside]
        frames.append(frame)
    return frames


def test_a_hand_that_rises_into_view_across_its_edge_is_not_a_surprise_one_that_pops_up_there_is():
    """A thing that comes into view across the view's edge was outside the last frame, so nothing
    could foretell it; it errs once, where it first shows, and then goes on inward, foretold (the
    tuning set's pan-away-and-back control asl-learn_05: a signer's hand rising across the lower
    edge scored z 6.1 where its bare reference, the same hand, scored 0.02). A thing that popped up
    at the edge and stays put is still unforetold (the generated mixed scene's latecomer)."""
    came_in = _scores(_rising_hand(20, comes_in=True))
    popped = _scores(_rising_hand(20, comes_in=False))
    assert popped[10].score > 0.01  # the popped-up hand on the tick it showed: a finding
    assert max(u.score for u in came_in[3:]) < 0.1 * popped[10].score
