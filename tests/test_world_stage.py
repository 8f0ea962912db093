"""The world model as a pipeline stage: surprise on scripted violations, where, false alarms, scene state."""

from __future__ import annotations

import pytest

from glasses_agent.agent.stages import WorldStage
from glasses_agent.context import TickContext
from glasses_agent.motion import WalkingDetector
from glasses_agent.world_model import WorldModel
from glasses_agent.world_model.surprise import quadrant
from streams.frames import NS_PER_S
from streams.sources.synthetic import SyntheticSource
from streams.sources.synthetic.pairs import make_pair
from streams.stages import FunctionStage
from streams.testing import run_test

SURPRISE_Z = 3.0  # the configurator's default `surprise_z`
TICK_S = 0.1


def _states(source, world: WorldModel | None = None):
    world = world or WorldModel(None, None)  # object memory alone: no perception checkpoint needed
    walking = WalkingDetector()  # walking is decided once a tick, before the world model (the agent's ContextStage)
    to_context = FunctionStage(lambda tick: TickContext(tick=tick, walking=walking.update(tick.imu, tick.t_ns)),
                               name="context")
    result = run_test(source, [to_context, WorldStage(world)])
    return [ctx.world for ctx in result.outputs["world"]]


def _alarms(states) -> list[float]:
    """Times (s) where surprise rises over the threshold (one alarm per rising edge)."""
    out, above = [], False
    for s in states:
        now = s.surprise >= SURPRISE_Z
        if now and not above:
            out.append(s.t_ns / NS_PER_S)
        above = now
    return out


# Layouts that put each violation clearly inside one quadrant (rows off the middle, the bar off-centre).
CASES = [(violation, seed) for violation in ("permanence", "continuity") for seed in range(6)]


@pytest.mark.parametrize("violation,seed", CASES)
def test_scripted_violation_is_surprising_within_two_ticks_in_the_right_quadrant(violation, seed):
    pair = make_pair(violation, seed, row=0.3 if seed % 2 else 0.7, bar_left=0.3 if violation == "continuity" else 0.35)
    implausible = _states(SyntheticSource(scene=pair.implausible, duration_s=pair.duration_s, imu=False))
    late = [s for s in implausible if s.t_ns / NS_PER_S >= pair.reveal_s - 1e-9]
    # The violation happens between two ticks; the first tick at or after it is the first that can
    # see it. The alarm must come on that tick or one of the two after it.
    seen_from = late[0].t_ns / NS_PER_S
    first = next(s for s in late if s.surprise >= SURPRISE_Z)
    assert first.t_ns / NS_PER_S <= seen_from + 2 * TICK_S + 1e-6, (first.t_ns, pair.reveal_s)
    assert first.surprise_quadrant == quadrant(pair.where)
    before = [s for s in implausible if s.t_ns / NS_PER_S < pair.reveal_s]
    assert max(s.surprise for s in before) < SURPRISE_Z
    # The same scene without the violation raises no alarm at all.
    plausible = _states(SyntheticSource(scene=pair.plausible, duration_s=pair.duration_s, imu=False))
    assert _alarms(plausible) == []


def _popups(source: SyntheticSource) -> list[float]:
    """When things of the scene pop into plain view from nowhere (the mixed scene's latecomer)."""
    return [o.appear_s for o in source.scene.objects if o.appear_s > 0]


def test_benign_generated_scenes_raise_under_one_false_alarm_a_minute():
    """4 minutes of scenes where nothing impossible happens (things pass behind a bar and come out,
    loom, bounce; the head turns; the wearer walks) but for the mixed scene's latecomer, which pops
    up in plain view: an alarm within 0.3 s of that is no false one, and it comes every time."""
    total_alarms, total_seconds, rates = 0, 0.0, {}
    for scenario in ("occlusion", "approach", "quiet", "mixed"):
        alarms, seconds = 0, 0.0
        for seed in (0, 1, 2):
            source = SyntheticSource(seed=seed, scenario=scenario, duration_s=20.0)
            states = _states(source)
            raised = _alarms(states)
            popups = _popups(source)
            alarms += len([t for t in raised if not any(-0.05 <= t - p <= 0.3 for p in popups)])
            assert all(any(-0.05 <= t - p <= 0.3 for t in raised) for p in popups), (scenario, seed, popups, raised)
            seconds += (states[-1].t_ns - states[0].t_ns) / NS_PER_S
        rates[scenario] = alarms / seconds * 60
        total_alarms += alarms
        total_seconds += seconds
    assert total_alarms / total_seconds * 60 < 1.0, rates
    assert max(rates.values()) <= 1.01, rates  # no scenario worse than one a minute either


@pytest.mark.parametrize("seed", range(10))
def test_a_thing_coming_out_from_behind_the_bar_is_no_surprise(seed):
    """The scenario suite's plausible occlusion (160x120, the bar in the middle): the thing comes
    out as a sliver first. Six of these ten seeds used to raise an alarm there: the sliver's edge
    colour was taken for a new colour, or it started a new track and the old one was "missing"."""
    states = _states(SyntheticSource(seed=seed, scenario="occlusion", duration_s=10.0))
    assert _alarms(states) == []


def test_scene_state_tracks_entities_with_stable_ids_and_head_motion():
    states = _states(SyntheticSource(seed=3, scenario="occlusion", duration_s=8.0))
    seen = [s for s in states if any(e.visible for e in s.entities)]
    assert len(seen) > 20
    ids = {e.id for s in seen for e in s.entities}
    assert len(ids) <= 2  # one object (and at most its start-up ghost), one id throughout
    first = seen[0].entities[0]
    last_states = [s for s in seen if first.id in {e.id for e in s.entities}]
    assert len(last_states) >= 15
    entity = next(e for e in last_states[-1].entities if e.id == first.id)
    assert entity.first_seen_ns == first.first_seen_ns and entity.last_seen_ns >= first.last_seen_ns
    x, y, w, h = entity.box
    assert 0 <= x <= 1 and 0 <= y <= 1 and 0 < w < 0.5 and 0 < h < 0.5
    # The walking scene: head turns (IMU yaw) and steps are in the world state.
    mixed = _states(SyntheticSource(seed=0, scenario="mixed", duration_s=6.0))
    assert any(abs(s.head_motion[0]) > 0.05 for s in mixed)
    assert any(s.walking for s in mixed[-20:])


def test_without_a_percept_surprise_comes_from_the_object_memory_alone():
    pair = make_pair("permanence", 2, row=0.3, bar_left=0.35)
    states = _states(SyntheticSource(scene=pair.implausible, duration_s=pair.duration_s, imu=False))
    assert all(s.surprise_raw >= 0 for s in states)
    assert max(s.surprise for s in states) >= SURPRISE_Z
