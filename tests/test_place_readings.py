"""The looming cues' raw readings confirmed by place, not by track (`detectors.place_readings`): a thing
read for a tick or two by each of several short-lived tracks is confirmed where it stays; scenery
whose readings jump about, readings at different places, a box that was as big before, and scenery
the wearer's own walk expands (about the heading, not about itself) are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from glasses_agent.detectors.place_readings import PlaceReadings

S = 1_000_000_000
TICK = S // 10
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is absent")


def _closing(i: int, tau0: float = 2.6, k: float = 0.25) -> tuple[tuple[float, float, float, float], float]:
    """Tick i of a thing closing steadily at the view's middle: its box (size k / tau) and its tau."""
    tau = tau0 - i * 0.1
    side = k / tau
    return (0.5 - side / 2, 0.5 - side / 2, side, side), tau


def test_a_thing_read_by_a_different_short_track_each_tick_is_confirmed_where_it_stays():
    """Four ticks of readings of one closing thing, each from another cue's box of it (a region's box,
    a blob's a little wider, the world's a little off-centre, a piece of it), the readings as noisy as
    the appearance match's: confirmed on the fourth, at about its time to contact."""
    places = PlaceReadings()
    found = []
    for i, (jitter, widen, shift) in enumerate([(1.1, 1.0, 0.0), (0.9, 1.2, 0.01), (1.05, 0.9, -0.01), (0.95, 1.1, 0.0)]):
        (x, y, w, h), tau = _closing(i)
        box = (x + shift - (widen - 1) * w / 2, y - (widen - 1) * h / 2, w * widen, h * widen)
        found.append(places.update(i * TICK, [(box, tau * jitter, None)]))
    assert found[:3] == [None, None, None]
    assert found[3] is not None and abs(found[3].tau_s - _closing(3)[1]) < 0.2


def test_readings_that_jump_about_at_one_place_are_not_confirmed():
    """Scenery whose outline jumps reads 1.2, 3.5, 1.0, 4.0 s at one place: no two agree, nothing."""
    places = PlaceReadings()
    for i, tau in enumerate([1.2, 3.5, 1.0, 4.0, 1.1, 3.8]):
        box, _ = _closing(0)
        assert places.update(i * TICK, [(box, tau, None)]) is None, i


def test_agreeing_readings_at_different_places_are_not_confirmed():
    """Agreeing readings, each tick at another place (things of a walk's scenery read once each): nothing."""
    places = PlaceReadings()
    for i in range(6):
        (_, _, w, h), tau = _closing(i)
        box = (0.1 + 0.15 * i, 0.4, w, h)
        assert places.update(i * TICK, [(box, tau, None)]) is None, i


def test_a_box_as_big_before_is_not_confirmed_at_a_short_time_to_contact():
    """Readings of 1.5 s that agree, at one place, from a box that has not grown (a patch of scenery
    whose appearance reads growth): a thing 1.5 s away was a fifth smaller 0.3 s before; nothing."""
    places = PlaceReadings()
    box = (0.45, 0.45, 0.1, 0.1)
    for i in range(6):
        assert places.update(i * TICK, [(box, 1.5 - 0.1 * i, None)]) is None, i


def test_a_reading_its_cue_withdraws_is_not_confirmed():
    """The readings of a closing thing that agree at one place, the newest one withdrawn by its cue
    (the region cue's background a passer-by uncovered): nothing; the same not withdrawn: confirmed."""
    for withdrawn, expect_none in ((lambda: True, True), (lambda: False, False)):
        places = PlaceReadings()
        out = [places.update(i * TICK, [(*_closing(i), withdrawn if i == 3 else None)]) for i in range(4)]
        assert (out[3] is None) == expect_none


def test_a_gap_of_one_tick_is_forgiven_but_readings_too_far_apart_in_time_are_not_used():
    """A thing read on ticks 0, 1 and 3 (none on 2) is confirmed on 3, as `confirmed_tau` forgives one
    missing estimate; readings half a second apart (a tick rate of 2 Hz) confirm nothing."""
    places = PlaceReadings()
    out = [places.update(i * TICK, [] if i == 2 else [(*_closing(i), None)]) for i in range(4)]
    assert out[3] is not None
    slow = PlaceReadings()
    assert all(slow.update(i * 5 * TICK, [(*_closing(5 * i), None)]) is None for i in range(4))


def _expanding_with_the_walk(i: int, centre: tuple[float, float] = (0.72, 0.62), side: float = 0.22,
                             tau0: float = 2.3) -> tuple[tuple[float, float, float, float], float]:
    """Tick i of scenery beside the path of a wearer walking toward the view's middle: the walk
    expands the view about its middle, so the patch's centre's offset from it and its size both
    grow as 1 / distance (by tau0 / tau), its time to contact falling one second a second."""
    tau = tau0 - i * 0.1
    grow = tau0 / tau
    cx, cy = 0.5 + (centre[0] - 0.5) * grow, 0.5 + (centre[1] - 0.5) * grow
    s = side * grow
    return (cx - s / 2, cy - s / 2, s, s), tau


def test_scenery_the_walk_expands_is_not_confirmed_however_well_its_readings_agree():
    """A patch of walk scenery right of and below the heading, read at one place tick after tick at
    a time to contact falling as a closing thing's does (hazards14's seed 3 gopro walk: 1.8-2.0 s
    steadily): it grows about the walk's focus of expansion, outside itself (its near side holds
    while its far side runs out), not about a point on itself as a thing on course to hit the
    wearer does. Nothing, on any tick."""
    places = PlaceReadings()
    for i in range(6):
        assert places.update(i * TICK, [(*_expanding_with_the_walk(i), None)]) is None, i


def test_a_thing_off_the_heading_that_keeps_its_bearing_is_confirmed():
    """The same place and the same readings, but of a thing on course to hit the wearer from 4
    o'clock: it keeps its bearing (its centre holds) and swells about it: confirmed."""
    places = PlaceReadings()
    out = []
    for i in range(4):
        (x, y, w, h), tau = _expanding_with_the_walk(0)[0], _expanding_with_the_walk(i)[1]
        side = 0.22 * 2.3 / tau
        cx, cy = x + w / 2, y + h / 2
        out.append(places.update(i * TICK, [((cx - side / 2, cy - side / 2, side, side), tau, None)]))
    assert out[:3] == [None, None, None]
    assert out[3] is not None and abs(out[3].tau_s - 2.0) < 0.05


@needs_shared
def test_a_dark_disc_read_by_tracks_that_keep_restarting_is_warned_of_in_time():
    """Seed 4's dark k 0.6 disc over sam2_03 (`eval hazards --half tuning --seed 4`): the disc runs into
    the blocks' dark edges and its region keeps starting new tracks; no track read it over four
    ticks, and main warned 0.35 s after due. Its readings stay at its place: warned by 0.3 s after
    due, at its clock hour, and not earlier than a second before."""
    from glasses_agent.scoring import hazard_eval as he
    from tools.data_splits import SHARED_DATA, clips

    loaded = [he.load_ticks(p, max_s=20.0) for p in clips("video", "tuning", SHARED_DATA)]
    cases = he.approach_cases(loaded, he.texture_crops(loaded, 12, 1 + 100 * 4), seed=4)
    case = next(c for c in cases if c.clip.name == "sam2_03_blocks.mp4" and c.contrast == "dark" and c.overlay.k == 0.6)
    result = he.run_case(next(c for c in loaded if c.path == case.clip), case)
    assert result.hit, (result.warned_ns, result.due_ns, result.clock_warned, result.clock_due)
    assert result.false_before == 0
