"""A seeded procedural world for tests, demos and training data: shapes that move, bounce, hide
behind an occluder and loom; sounds tied to what happens; head motion felt by an IMU; and the
ground truth on a separate "truth" stream.

    source = SyntheticSource(seed=3, scenario="approach", duration_s=5)
    for frame in source.frames(): ...

Scripted scenes reuse the same pieces: build a `Scene` of `SceneObject`s and `Occluder`s (or
take a preset from `build_scene` and edit it), `render(scene, t)` for pixels plus labels, or
`SyntheticSource(scene=...)` for all streams.
"""

from streams.sources.synthetic.audio import render_audio
from streams.sources.synthetic.imu import IMU_AXES, imu_arrays
from streams.sources.synthetic.scenarios import SCENARIOS, build_scene
from streams.sources.synthetic.render import ObjectState, Rendered, make_background, render, render_frame
from streams.sources.synthetic.scene import (
    OCCLUDER_LABEL_BASE,
    PALETTE,
    SHAPES,
    HeadMotion,
    Occluder,
    Scene,
    SceneObject,
    SoundEvent,
)
from streams.sources.synthetic.source import SyntheticSource

__all__ = [
    "IMU_AXES",
    "OCCLUDER_LABEL_BASE",
    "PALETTE",
    "SCENARIOS",
    "SHAPES",
    "HeadMotion",
    "ObjectState",
    "Occluder",
    "Rendered",
    "Scene",
    "SceneObject",
    "SoundEvent",
    "SyntheticSource",
    "build_scene",
    "imu_arrays",
    "make_background",
    "render",
    "render_audio",
    "render_frame",
]
