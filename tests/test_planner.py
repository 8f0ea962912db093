"""Mode-2 planning: an enrolled thing out of view to one side -> the planned head turn goes that way."""

from __future__ import annotations

import numpy as np
import pytest

from streams.sources.synthetic import PALETTE, HeadMotion, Scene, SceneObject, SyntheticSource, make_background
from streams.testing import FrameList


def _scene(seed: int, side: str) -> Scene:
    """Keys (a red disc) in view at first; the head turns away until they are out of view on `side`.

    Turning left (positive yaw) slides the view's content right, so keys near the right edge leave
    the view on the right while the wearer turns left, and the other way round."""
    rng = np.random.default_rng([seed, 11])
    x = 160 * rng.uniform(0.7, 0.8) if side == "right" else 160 * rng.uniform(0.2, 0.3)
    y = 120 * rng.uniform(0.35, 0.65)
    keys = SceneObject(id=1, shape="circle", color=PALETTE["red"], color_name="red", position=(x, y), size=10)
    turn = 0.55 if side == "right" else -0.55
    head = HeadMotion(yaw_amplitude_rad=turn, yaw_period_s=8.0)  # a quarter period: 2 s of steady turning
    background = make_background(np.random.default_rng([seed, 12]), 160, 120)
    return Scene(width=160, height=120, seed=seed, background=background, objects=(keys,), head=head)


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planned_head_turn_goes_toward_the_enrolled_thing_out_of_view(seed, side):
    from glasses_agent.world_model.recordings import open_world
    from glasses_agent.world_model.world import NS
    from glasses_agent.perception.data import ticks_of
    from glasses_agent.context import TickContext

    scene = _scene(seed, side)
    world = open_world(None)
    frames = FrameList(SyntheticSource(scene=scene, duration_s=2.2, include_truth=False).frames()).frames()
    ticks = list(ticks_of(frames, world.encoder.config))
    percepts = world.encoder.encode(ticks)
    contexts = [TickContext(tick=t, percept=p) for t, p in zip(ticks, percepts)]
    first = contexts[2]
    x, y = scene.objects[0].position
    world.step(contexts[0])
    world.step(contexts[1])
    world.enroll_object("keys", first, (x / 160 - 0.1, y / 120 - 0.12, 0.2, 0.24), image=first.tick.latest_video.image)
    for ctx in contexts[2:]:
        ctx.world = world.step(ctx)
    t_end = contexts[-1].t_ns / NS
    # By now the keys are out of view, on `side`.
    pan = scene.pan_px(t_end)
    assert (x + pan > 160) if side == "right" else (x + pan < 0)
    assert not any(e.name == "keys" and e.visible for e in contexts[-1].world.entities)
    yaw, pitch = world.plan_toward("keys", contexts[-1])
    # To bring them back, turn right (negative yaw) for keys on the right, left for keys on the left.
    assert (yaw < -0.2) if side == "right" else (yaw > 0.2), (yaw, pitch)
    assert abs(pitch) < abs(yaw)
    # And the actor's view of it: a direction on that side of the view.
    x_dir = world.direction_to(contexts[-1], "keys")
    assert (x_dir > 0.5) if side == "right" else (x_dir < 0.5)


def test_planning_toward_a_name_never_enrolled_or_never_seen_gives_nothing():
    from glasses_agent.world_model import WorldModel

    world = WorldModel(None, None)
    assert world.plan_toward("keys") is None
    assert world.direction_to(None, "keys") is None
