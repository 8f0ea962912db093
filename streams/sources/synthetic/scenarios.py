"""Scenario presets: seeded recipes that build a `Scene`.

Sizes and speeds are fractions of the frame, and event times fractions of the duration, so
every preset works at any resolution and length. To script a new situation, write a function
like these (or edit a built scene with `dataclasses.replace`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from streams.errors import SourceError
from streams.sources.synthetic.render import make_background
from streams.sources.synthetic.scene import (
    PALETTE,
    SHAPES,
    HeadMotion,
    Occluder,
    Scene,
    SceneObject,
    SoundEvent,
)

ScenarioBuilder = Callable[[int, float, int, int], Scene]


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng([seed, 0])  # key 0: layout; other keys are noise (see scene/audio/imu)


def _colors(rng: np.random.Generator) -> list[tuple[str, tuple[int, int, int]]]:
    names = list(PALETTE)
    order = rng.permutation(len(names))
    return [(names[i], PALETTE[names[i]]) for i in order]


def mixed(seed: int, duration_s: float, width: int, height: int) -> Scene:
    """A walk: three shapes bounce around, one passes in front of an occluder bar and the others
    behind it, a fourth pops up with a chirp, one starts to loom with a rising hum, clatter
    (noise bursts) now and then, and the head turns slowly from side to side."""
    rng = _rng(seed)
    background = make_background(rng, width, height)
    colors = _colors(rng)
    objects = []
    for i, shape in enumerate(SHAPES):
        size = height * rng.uniform(0.07, 0.11)
        bounds = (size, size, width - size, height - size)
        pos = (rng.uniform(bounds[0], bounds[2]), rng.uniform(bounds[1], bounds[3]))
        speed, angle = width * rng.uniform(0.08, 0.2), rng.uniform(0, 2 * math.pi)
        objects.append(SceneObject(
            id=i + 1, shape=shape, color=colors[i][1], color_name=colors[i][0], position=pos,
            velocity=(speed * math.cos(angle), speed * math.sin(angle)), size=size,
            depth=0.5 if i == 0 else 1.0 + 0.1 * i,  # the first passes in front of the bar, the rest behind
            bounds=bounds,
        ))
    # One object approaches from 60% of the way in: it grows about threefold by the end, and as it
    # ends up nearest of all it is drawn in front of the bar and the others throughout.
    grow_from = 0.6 * duration_s
    objects[1] = replace(objects[1], growth=math.log(3.0) / (0.4 * duration_s), grow_from_s=grow_from,
                         max_size=0.4 * height, depth=0.4)
    bar_x = width * rng.uniform(0.35, 0.65)
    bar = Occluder(box=(bar_x - 0.06 * width, 0.1 * height, bar_x + 0.06 * width, 0.9 * height))
    # A latecomer that pops up in plain view: placed (by a few seeded tries) clear of the bar at
    # the moment it appears, so its chirp goes with something the camera can see.
    appear = duration_s * rng.uniform(0.25, 0.4)
    size = height * 0.09
    bounds = (size, size, width - size, height - size)
    for _ in range(20):
        speed, angle = width * rng.uniform(0.08, 0.2), rng.uniform(0, 2 * math.pi)
        latecomer = SceneObject(
            id=4, shape=SHAPES[int(rng.integers(len(SHAPES)))], color=colors[3][1], color_name=colors[3][0],
            position=(rng.uniform(bounds[0], bounds[2]), rng.uniform(bounds[1], bounds[3])),
            velocity=(speed * math.cos(angle), speed * math.sin(angle)), size=size, depth=1.5,
            appear_s=appear, bounds=bounds,
        )
        x, _ = latecomer.position_at(appear)
        if x + 2 * size < bar.box[0] or x - 2 * size > bar.box[2]:
            break
    objects.append(latecomer)
    occluders = (bar,)
    sounds = [
        SoundEvent(start_s=appear, duration_s=0.25, kind="chirp", freq=600.0, freq_end=1200.0, amplitude=0.3,
                   object_id=4, cause="object_enters"),
        SoundEvent(start_s=grow_from, duration_s=duration_s - grow_from, kind="tone", freq=220.0, freq_end=220.0,
                   amplitude=0.25, envelope="rise", object_id=2, cause="approaching"),
    ]
    for _ in range(int(rng.integers(1, 4))):
        sounds.append(SoundEvent(start_s=duration_s * rng.uniform(0.1, 0.9), duration_s=0.15, kind="noise",
                                 amplitude=0.25, cause="clatter"))
    sounds.sort(key=lambda s: s.start_s)
    head = HeadMotion(yaw_amplitude_rad=0.2, yaw_period_s=rng.uniform(6.0, 10.0), walking=True)
    return Scene(width=width, height=height, seed=seed, background=background, objects=tuple(objects),
                 occluders=occluders, sounds=tuple(sounds), head=head)


APPROACH_K = 0.7  # the approaching object's width (view heights) 1 s before it would reach the wearer


def approach(seed: int, duration_s: float, width: int, height: int) -> Scene:
    """One object comes at the wearer at a steady speed, humming louder as it comes (a hazard to
    warn about): it heads for the centre of the view, APPROACH_K / (time to contact) view heights
    wide, until it fills 90% of the view's height at 85% of the scene (0.78 s before it would
    reach the wearer). Its time to contact falls under 2 s 1.22 s before that (in a 10 s scene at
    7.3 s, the object then 35% of the view's height). The wearer stands still."""
    rng = _rng(seed)
    background = make_background(rng, width, height)
    name, color = _colors(rng)[0]
    angle = rng.uniform(0, 2 * math.pi)
    start = (width / 2 + 0.35 * width * math.cos(angle), height / 2 + 0.3 * height * math.sin(angle))
    arrive = 0.85 * duration_s
    radius_at_1s = APPROACH_K / 2 * height  # the radius 1 s from contact; at tau it is this / tau
    size1 = 0.45 * height
    contact = arrive + radius_at_1s / size1
    obj = SceneObject(
        id=1, shape=SHAPES[int(rng.integers(len(SHAPES)))], color=color, color_name=name, position=start,
        size=radius_at_1s / contact, path=((0.0, *start), (arrive, width / 2, height / 2)),
        contact_s=contact, max_size=size1,
    )
    sounds = (SoundEvent(start_s=0.05 * duration_s, duration_s=0.9 * duration_s, kind="tone", freq=180.0,
                         freq_end=180.0, amplitude=0.3, envelope="rise", object_id=1, cause="approaching"),)
    return Scene(width=width, height=height, seed=seed, background=background, objects=(obj,), sounds=sounds)


def occlusion(seed: int, duration_s: float, width: int, height: int) -> Scene:
    """One object crosses behind a bar in the middle of the view and comes out the other side
    (the plausible half of an object-permanence pair). The wearer stands still."""
    rng = _rng(seed)
    background = make_background(rng, width, height)
    name, color = _colors(rng)[0]
    left_to_right = bool(rng.integers(2))
    xs = (0.1 * width, 0.88 * width) if left_to_right else (0.9 * width, 0.12 * width)
    y = height * rng.uniform(0.4, 0.6)
    obj = SceneObject(
        id=1, shape=SHAPES[int(rng.integers(len(SHAPES)))], color=color, color_name=name, position=(xs[0], y),
        size=0.08 * height, depth=1.0, path=((0.0, xs[0], y), (0.8 * duration_s, xs[1], y)),
    )
    # Wider than the object (2 x 0.08 h < 0.16 w for any frame wider than tall), so it hides fully.
    bar = Occluder(box=(0.42 * width, 0.15 * height, 0.58 * width, 0.85 * height), depth=0.8)
    return Scene(width=width, height=height, seed=seed, background=background, objects=(obj,), occluders=(bar,))


def quiet(seed: int, duration_s: float, width: int, height: int) -> Scene:
    """Nothing happens: a textured room, sensor noise and hiss. Anything surprising is a false alarm."""
    rng = _rng(seed)
    return Scene(width=width, height=height, seed=seed, background=make_background(rng, width, height))


SCENARIOS: dict[str, ScenarioBuilder] = {
    "mixed": mixed,
    "approach": approach,
    "occlusion": occlusion,
    "quiet": quiet,
}


def build_scene(scenario: str, seed: int = 0, *, duration_s: float = 10.0, size: tuple[int, int] = (160, 120)) -> Scene:
    """The preset `scenario` for `seed`, `duration_s` long, frames `size` = (width, height)."""
    try:
        builder = SCENARIOS[scenario]
    except KeyError:
        raise SourceError(f"unknown scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}") from None
    width, height = size
    return builder(seed, float(duration_s), int(width), int(height))
