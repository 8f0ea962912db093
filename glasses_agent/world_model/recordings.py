"""Enrolling from a recording, and running a recording through the world model to remember.

    world = open_world(store)                       # default checkpoints, the wearer's memory
    enroll_from_recording(world, "keys", "desk.mp4", at_s=3.0, box=(0.4, 0.5, 0.2, 0.2))
    scan_recording(world, "later.mcap")             # sightings of enrolled things -> memory

A recording is an .mcap file or any media file PyAV reads. It is cut into the pipeline's ticks
and encoded by the perception model exactly as the live agent does.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from glasses_agent.context import TickContext
from glasses_agent.errors import GlassesAgentError
from glasses_agent.world_model.recognition import Box, EnrollmentError
from glasses_agent.world_model.world import NS, WorldModel


class ClipError(GlassesAgentError):
    """A clip that cannot be read, or that holds no video."""


def clip_frames(path: Path) -> Iterable[Any]:
    """Every frame of a clip (.mcap or a media file), read at once."""
    from streams.errors import StreamError

    try:
        if path.suffix.lower() == ".mcap":
            from streams.recording import McapReplaySource

            return list(McapReplaySource(path).frames())
        from streams.sources.media_file import MediaFileSource

        return list(MediaFileSource(path).frames())
    except StreamError as err:
        raise ClipError(f"{path}: unreadable clip ({err})") from None


def clip_ticks(path: Path, config: Any = None, tick_hz: float = 10.0) -> list[Any]:
    """The clip cut into the pipeline's ticks (enough video history for the encoder)."""
    from streams.sync import TickSynchronizer, ticks_of_frames

    ticks = [t for t in ticks_of_frames(clip_frames(path), TickSynchronizer(tick_hz=tick_hz, video_frames=32)) if t.video]
    if not ticks:
        raise ClipError(f"{path}: no video frames")
    return ticks


def open_world(memory: Any, world_path: str | None = None, perception_path: str | None = None) -> WorldModel:
    """The world model with the wearer's memory and the perception encoder (None: defaults)."""
    from glasses_agent.perception import load_encoder

    encoder = load_encoder(perception_path)
    try:
        world = WorldModel.load(world_path, memory=memory, encoder=encoder)
    except GlassesAgentError:
        if world_path is not None:
            raise
        world = WorldModel(None, None, memory=memory, encoder=encoder)  # object memory + recognition
    return world


def recording_contexts(world: WorldModel, path: str | Path, end_s: float | None = None) -> list[TickContext]:
    """Every tick of the recording (up to `end_s`) as a context with its percept."""
    from streams.errors import StreamError

    path = Path(path)
    if not path.is_file():
        raise EnrollmentError(f"{path}: no such recording or media file")
    try:
        if path.suffix.lower() == ".mcap":
            from streams.recording import McapReplaySource

            frames = McapReplaySource(path).frames()
        else:
            from streams.sources.media_file import MediaFileSource

            frames = MediaFileSource(path).frames()
        if world.encoder is not None:
            from glasses_agent.perception.data import ticks_of

            ticks = [t for t in ticks_of(frames, world.encoder.config) if end_s is None or t.t_ns <= end_s * NS + NS // 10]
        else:
            ticks = clip_ticks(path)
    except StreamError as err:
        raise EnrollmentError(f"{path}: unreadable recording ({err})") from None
    if not ticks:
        raise EnrollmentError(f"{path}: no ticks (empty recording)")
    percepts = world.encoder.encode(ticks) if world.encoder is not None else [None] * len(ticks)
    return [TickContext(tick=t, percept=p) for t, p in zip(ticks, percepts)]


def _at(contexts: list[TickContext], at_s: float, path: Any) -> int:
    duration = contexts[-1].t_ns / NS
    if not 0 <= at_s <= duration + 0.05:
        raise EnrollmentError(f"{path} is {duration:.1f} s long; --at {at_s} is outside it")
    return min(range(len(contexts)), key=lambda i: abs(contexts[i].t_ns / NS - at_s))


def enroll_from_recording(world: WorldModel, name: str, path: str | Path, at_s: float,
                          box: Box | None = None) -> dict[str, Any]:
    """Enroll NAME from the frame at `at_s`: inside `box`, or the tracked thing nearest the middle."""
    contexts = recording_contexts(world, path, end_s=at_s)
    index = _at(contexts, at_s, path)
    world.reset()
    world.enrolled.recording = str(path)
    for ctx in contexts[: index + 1]:
        ctx.world = world.step(ctx)
    ctx = contexts[index]
    if box is None:
        things = [e.box for e in ctx.world.entities if e.visible and e.kind == "object"]
        things = things or _salient_boxes(ctx.tick.latest_video.image)  # still things never move apart
        if not things:
            raise EnrollmentError(f"nothing stands out in view at {at_s} s of {path}; give --box X,Y,W,H")
        box = min(things, key=lambda b: (b[0] + b[2] / 2 - 0.5) ** 2 + (b[1] + b[3] / 2 - 0.5) ** 2)
        pad = 0.02  # a little of the surroundings, as a hand-drawn box would have
        x, y, w, h = box
        box = (max(0.0, x - pad), max(0.0, y - pad), min(1 - max(0.0, x - pad), w + 2 * pad), min(1 - max(0.0, y - pad), h + 2 * pad))
    prototype = world.enroll_object(name, ctx, box)
    return {"name": name, "modality": "object", "t_s": round(ctx.t_ns / NS, 3), "box": [round(v, 4) for v in box],
            "threshold": round(prototype.threshold, 4)}


def _salient_boxes(image: Any) -> list[Box]:
    """Boxes of compact regions whose colour stands out from the view's typical colour."""
    import cv2
    import numpy as np

    small = cv2.resize(image, (160, max(8, round(160 * image.shape[0] / image.shape[1]))), interpolation=cv2.INTER_AREA)
    pixels = small.astype(np.float32)
    far = np.sqrt(((pixels - np.median(pixels.reshape(-1, 3), axis=0)) ** 2).sum(-1)) > 80
    count, _, stats, _ = cv2.connectedComponentsWithStats(far.astype(np.uint8), connectivity=8)
    h, w = far.shape
    out = []
    for k in range(1, count):
        x, y, bw, bh, area = stats[k]
        if 0.002 * h * w <= area <= 0.25 * h * w:
            out.append((x / w, y / h, bw / w, bh / h))
    return out


def enroll_sound_from_recording(world: WorldModel, name: str, path: str | Path, start_s: float, end_s: float) -> dict[str, Any]:
    if not end_s > start_s:
        raise EnrollmentError(f"--end ({end_s}) must come after --start ({start_s})")
    contexts = recording_contexts(world, path)
    # A tick hears the second before it: ticks whose window lies inside the span are the sound.
    inside = [c.percept for c in contexts if start_s + 1.0 - 0.05 <= c.t_ns / NS <= end_s + 0.05]
    if not inside:
        inside = [c.percept for c in contexts if start_s <= c.t_ns / NS <= end_s + 1.0]
    outside = [c.percept for c in contexts if c.t_ns / NS < start_s - 0.05 or c.t_ns / NS > end_s + 1.05]
    if not inside:
        raise EnrollmentError(f"no audio between {start_s} s and {end_s} s of {path}")
    prototype = world.enroll_sound(name, [p for p in inside if p is not None], [p for p in outside if p is not None])
    return {"name": name, "modality": "sound", "ticks": len(inside), "threshold": round(prototype.threshold, 4)}


def scan_recording(world: WorldModel, path: str | Path) -> dict[str, Any]:
    """Run the recording through the world model: enrolled things seen are written to memory."""
    contexts = recording_contexts(world, path)
    world.reset()
    world.enrolled.recording = str(path)
    before = len(world.memory.sightings(limit=None, source=str(path))) if world.memory is not None else 0
    heard: dict[str, int] = {}
    for ctx in contexts:
        state = world.step(ctx)
        for name, _ in state.sounds:
            heard[name] = heard.get(name, 0) + 1
    after = len(world.memory.sightings(limit=None, source=str(path))) if world.memory is not None else 0
    return {"ticks": len(contexts), "sightings": after - before, "sounds_heard": heard}
