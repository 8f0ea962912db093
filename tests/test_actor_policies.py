"""The Mode-1 policies that read the world model's state, driven tick by tick with hand-made
world states (the world model itself is tested by its own part)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from glasses_agent.actor import Actor, View
from glasses_agent.configurator import load_modes
from glasses_agent.context import Entity, TickContext, WorldState
from glasses_agent.detectors.base import Detections, Looming
from streams.sync import Tick

S = 1_000_000_000
EXPLORE = load_modes()["explore"]


def view(i: int, world: WorldState | None, *, walking: bool = False, goal: str | None = None,
         detections: Detections | None = None, settings=EXPLORE) -> View:
    t = (i + 1) * S // 10
    tick = Tick(index=i, t_ns=t, video=(), audio=np.zeros(16_000, np.int16))
    return View(ctx=TickContext(tick=tick, world=world), detections=detections, settings=settings, walking=walking, goal=goal)


def keys(x: float, t: int, visible: bool = True, kind: str = "object", name: str = "keys") -> Entity:
    return Entity(id=1, box=(x - 0.05, 0.4, 0.1, 0.1), first_seen_ns=0, last_seen_ns=t, kind=kind, name=name,
                  score=0.9, visible=visible)


def test_enrolled_object_seen_once_with_its_clock_position_and_people_never_named():
    actor = Actor()
    said = []
    for i in range(5):
        t = (i + 1) * S // 10
        world = WorldState(t_ns=t, entities=(keys(0.8, t), keys(0.2, t, kind="person", name="Ada")))
        said += actor.propose(view(i, world))
    assert [(p.kind, p.text) for p in said] == [("object_seen", "keys at 2 o'clock")]
    assert said[0].evidence["clock"] == 2


def test_left_behind_when_the_wearer_walks_away_from_an_enrolled_object():
    actor = Actor()
    said = []
    for i in range(60):
        t = (i + 1) * S // 10
        seen = i < 10  # the keys leave the view at 1 s; the wearer walks from then on
        world = WorldState(t_ns=t, entities=(keys(0.5, t, visible=seen),) if seen else (), walking=not seen)
        said += [p for p in actor.propose(view(i, world, walking=not seen)) if p.kind == "left_behind"]
    assert [p.text for p in said] == ["Left behind? keys"]
    assert 3.9 <= said[0].t_ns / S <= 4.2  # three seconds after it was last seen


def test_surprise_speaks_on_the_rise_with_where_and_enrolled_sounds_on_onset():
    actor = Actor()
    zs = [0.5, 0.8, 4.2, 4.5, 1.0, 3.5]
    said = []
    for i, z in enumerate(zs):
        world = WorldState(t_ns=(i + 1) * S // 10, surprise=z, surprise_where=(0.1, 0.5),
                           sounds=(("doorbell", 0.95),) if i >= 4 else ())
        said += actor.propose(view(i, world))
    assert [(p.kind, p.text) for p in said] == [
        ("surprise", "Something changed at 10 o'clock"),
        ("sound", "Heard: doorbell"),
        ("surprise", "Something changed at 10 o'clock"),
    ]


def test_guidance_toward_a_goal_speaks_in_directions():
    actor = Actor()
    t = S
    world = WorldState(t_ns=t, entities=(keys(0.85, t),))
    said = [p for p in actor.propose(view(9, world, goal="keys")) if p.kind == "guidance"]
    assert [p.text for p in said] == ["keys at 2 o'clock"]
    assert not [p for p in Actor().propose(view(9, world, goal="wallet")) if p.kind == "guidance"]


def test_hazard_from_a_world_track_or_the_looming_cue_and_only_when_enabled():
    def tracks(i: int, grow: float, surprise: float = 4.0) -> WorldState:
        t = (i + 1) * S // 10
        side = 0.32 * np.exp(grow * i / 10)  # area grows at 2 * grow per second
        rushing = Entity(id=3, box=(0.55 - side / 2, 0.3, side, side), first_seen_ns=0, last_seen_ns=t, approach=1.2)
        passing = Entity(id=4, box=(0.92, 0.3, 0.08, 0.2 * side / 0.3), first_seen_ns=0, last_seen_ns=t, approach=1.2)
        return WorldState(t_ns=t, entities=(rushing, passing), surprise=surprise)

    def hazards(grow: float, walking: bool = False, surprise: float = 4.0) -> list:
        actor = Actor()
        return [p for i in range(8) for p in actor.propose(view(i, tracks(i, grow, surprise), walking=walking))
                if p.kind == "hazard"]

    said = hazards(0.6)
    assert said, "a box growing steadily toward the middle of the view is a hazard"
    assert {(p.kind, p.evidence["source"], p.evidence["clock"]) for p in said} == {("hazard", "world", 12)}
    assert said[0].t_ns >= 5 * S // 10  # after half a second of growth seen, not on one tick's word
    # The track claims an approach but its box does not grow: a stale figure, not a hazard.
    assert hazards(0.0) == []
    # Its box grows steadily, but at a rate that means contact in 3.3 s: over the mode's 2 s.
    assert hazards(0.3) == []
    # While the wearer walks, the tracker's boxes grow with the walk: the looming cues decide.
    assert hazards(0.6, walking=True) == []
    # Growth the world model expected (a cup brought to the mouth) is no hazard.
    assert hazards(0.6, surprise=0.2) == []
    t = S
    det = Detections(t_ns=t, looming=Looming(score=0.0, box=(0.6, 0.3, 0.3, 0.4), growth_per_s=0.0, tau_s=1.2))
    said = Actor().propose(view(9, None, detections=det))
    assert [(p.kind, p.priority, p.haptic, p.evidence["clock"]) for p in said] == [("hazard", 3, "long", 2)]
    assert said[0].evidence["tau_s"] == 1.2
    # Time to contact over the mode's 2 s and growth that scores low: not yet.
    weak = Looming(score=0.3, box=(0.6, 0.3, 0.3, 0.4), growth_per_s=0.3, tau_s=2.6)
    assert Actor().propose(view(9, None, detections=Detections(t_ns=t, looming=weak, growing=weak))) == []
    # Steady growth is a time to contact too (1 / its rate): a thing growing steadily at 0.3/s
    # (contact in 3.3 s, people strolling at a still camera) is not yet a hazard, however steady;
    # one growing at 0.6/s (1.7 s) is, on the growing thing's side, with that time to contact.
    steady_far = Looming(score=0.9, box=(0.0, 0.3, 0.3, 0.4), growth_per_s=0.3, tau_s=math.inf)
    assert Actor().propose(view(9, None, detections=Detections(t_ns=t, looming=weak, growing=steady_far))) == []
    strong = Looming(score=0.9, box=(0.0, 0.3, 0.3, 0.4), growth_per_s=0.6, tau_s=math.inf)
    said = Actor().propose(view(9, None, detections=Detections(t_ns=t, looming=weak, growing=strong)))
    assert [(p.kind, p.evidence["clock"]) for p in said] == [("hazard", 10)]
    assert said[0].evidence["tau_s"] == pytest.approx(1 / 0.6, abs=0.01)
    # While the wearer walks, the world model's ego-motion measures how fast the scene expands. A
    # thing that expands much faster comes on its own and is warned of at its own time to contact
    # (the view scaled 1.5% a tick, 0.15/s: the thing at 1.9 s, 0.53/s, is mostly its own doing);
    # one that expands barely faster than the scene is scenery nearer than the rest (the view
    # scaled 4% a tick, 0.39/s: three quarters of the thing's growth is the walk's).
    from glasses_agent.world_model.egomotion import Motion

    walking_close = Detections(t_ns=t, looming=Looming(score=0.0, box=(0.6, 0.3, 0.3, 0.4), growth_per_s=0.0,
                                                       tau_s=1.9))
    walked = view(9, None, detections=walking_close, walking=True)
    walked.ctx.view_motion = Motion(np.diag([1.015, 1.015, 1.0]), ok=True, dt=0.1, width=160)
    said = Actor().propose(walked)
    assert [(p.kind, p.evidence["clock"]) for p in said] == [("hazard", 2)] and said[0].evidence["tau_s"] == 1.9
    walked = view(9, None, detections=walking_close, walking=True)
    walked.ctx.view_motion = Motion(np.diag([1.04, 1.04, 1.0]), ok=True, dt=0.1, width=160)
    assert Actor().propose(walked) == []
    # So is it from steady growth: 0.6/s against a scene expanding at 0.39/s is the walk's doing.
    walked = view(9, None, detections=Detections(t_ns=t, looming=weak, growing=strong), walking=True)
    walked.ctx.view_motion = Motion(np.diag([1.04, 1.04, 1.0]), ok=True, dt=0.1, width=160)
    assert Actor().propose(walked) == []
    read = load_modes()["read"]
    world = WorldState(t_ns=t, entities=(keys(0.8, t),), surprise=9.0)
    assert {p.kind for p in Actor().propose(view(9, world, detections=det, settings=read))} == {"hazard"}
