"""IntPhys-style violation-of-expectation pairs: two clips identical until the reveal.

One object enters from a side, passes behind an opaque bar and comes out again. The plausible
clip shows exactly that; the implausible one breaks one law while the object is hidden, so
nothing differs between the two clips until the moment the object should come out (the reveal):

    permanence   the object never comes out: it is gone where it should have re-emerged
    continuity   it comes out far beyond the bar, where it could not have travelled in time
    constancy    it comes out with another shape or colour than it went in with

Seeds and backgrounds of the "train" and "test" splits are kept apart: every random draw is
keyed by (split, seed), and the split key feeds the background texture too, so no test
background is ever seen in training. `write_pairs` writes NAME_plausible.EXT /
NAME_implausible.EXT (MP4, AVI, GIF or MCAP) and a NAME.json with the reveal time and where
the violation happens, for scorers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from streams.errors import SourceError
from streams.frames import NS_PER_S, VideoFrame
from streams.sources.synthetic.render import make_background, render
from streams.sources.synthetic.scene import PALETTE, SHAPES, Occluder, Scene, SceneObject

VIOLATIONS = ("permanence", "continuity", "constancy")
SPLITS = {"train": 1, "test": 2}
FORMATS = ("mp4", "avi", "gif", "mcap")


@dataclass(frozen=True)
class Pair:
    """Both scenes of one pair and what a scorer needs to know about them."""

    name: str
    violation: str
    split: str
    seed: int
    plausible: Scene
    implausible: Scene
    reveal_s: float  # the first instant the two clips may differ
    where: tuple[float, float]  # (x, y) as fractions of the view: where the violation shows
    duration_s: float
    fps: float

    def meta(self) -> dict:
        return {"name": self.name, "violation": self.violation, "split": self.split, "seed": self.seed,
                "reveal_s": round(self.reveal_s, 4), "where": [round(v, 4) for v in self.where],
                "duration_s": self.duration_s, "fps": self.fps,
                "size": [self.plausible.width, self.plausible.height]}


def _rng(split: str, seed: int, key: int) -> np.random.Generator:
    if split not in SPLITS:
        raise SourceError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    return np.random.default_rng([SPLITS[split], int(seed), key])


def make_pair(violation: str, seed: int, *, split: str = "test", size: tuple[int, int] = (160, 120),
              fps: float = 10.0, duration_s: float = 4.0, row: float | None = None,
              bar_left: float | None = None) -> Pair:
    """The pair `violation` number `seed` of `split`. `row` (the object's height as a fraction of
    the view) and `bar_left` (where the bar starts, from the side the object enters) override the
    seeded layout, e.g. to put the violation in a chosen quadrant."""
    if violation not in VIOLATIONS:
        raise SourceError(f"unknown violation {violation!r}; expected one of {', '.join(VIOLATIONS)}")
    width, height = size
    rng = _rng(split, seed, 0)
    background = make_background(_rng(split, seed, 1), width, height)
    names = list(PALETTE)
    color_name = names[int(rng.integers(len(names)))]
    shape = SHAPES[int(rng.integers(len(SHAPES)))]
    r = height * rng.uniform(0.055, 0.075)
    y = height * rng.uniform(0.4, 0.6)
    if row is not None:
        y = height * float(row)
    # The bar: wide enough to hide the object for a while, left of centre so the object has
    # room to be seen after it comes out (mirrored below for right-to-left motion).
    bar_w = width * rng.uniform(0.24, 0.3)
    bar_x0 = width * rng.uniform(0.26, 0.32)
    if bar_left is not None:
        bar_x0 = width * float(bar_left)
    bar_x1 = bar_x0 + bar_w
    # Timing: the object starts just outside the view, comes out of the bar at `reveal_s` and
    # is seen in the open for the rest of the clip.
    reveal_s = duration_s * rng.uniform(0.5, 0.58)
    speed = bar_x1 / reveal_s  # from x = -r at 0 to x = bar_x1 - r (touching the far edge) at reveal_s
    x_at = lambda t: -r + speed * t  # noqa: E731
    hidden_s = ((bar_x0 + r) + r) / speed  # fully behind the bar from here (x - r >= bar_x0)
    flip = bool(rng.integers(2))  # right to left: mirror every x

    def fx(x: float) -> float:
        return width - x if flip else x

    end_x = x_at(duration_s)
    obj = SceneObject(id=1, shape=shape, color=PALETTE[color_name], color_name=color_name,
                      position=(fx(x_at(0)), y), size=r,
                      path=((0.0, fx(x_at(0)), y), (duration_s, fx(end_x), y)))
    box = (fx(bar_x0), 0.2 * height, fx(bar_x1), 0.8 * height)
    bar = Occluder(box=(min(box[0], box[2]), box[1], max(box[0], box[2]), box[3]), depth=0.5)
    plausible = Scene(width=width, height=height, seed=int(seed) * 2 + SPLITS[split] * 100_003,
                      background=background, objects=(obj,), occluders=(bar,))
    # The change happens while the object is fully hidden, half-way between hiding and reveal.
    change_s = (hidden_s + reveal_s) / 2
    emerge = (fx(bar_x1), y)
    if violation == "permanence":
        changed = (replace(obj, vanish_s=change_s),)
        where = emerge
    elif violation == "continuity":
        # Out in the open far beyond the bar: a jump of a quarter of the view or more.
        jump = width * rng.uniform(0.25, 0.32)
        x_jump = x_at(change_s) + jump
        path = ((0.0, fx(x_at(0)), y), (change_s, fx(x_at(change_s)), y), (change_s + 1e-4, fx(x_at(change_s) + jump), y),
                (duration_s, fx(end_x + jump), y))
        changed = (replace(obj, path=path),)
        where = (fx(x_jump), y)
        reveal_s = change_s  # it shows in the open the moment it jumps
    else:
        other_shape = SHAPES[(SHAPES.index(shape) + 1 + int(rng.integers(2))) % 3]
        other_colors = [c for c in names if c != color_name]
        other_color = other_colors[int(rng.integers(len(other_colors)))]
        keep = int(rng.integers(3))  # 0: new shape and colour, 1: new shape only, 2: new colour only
        new_shape = shape if keep == 2 else other_shape
        new_color = color_name if keep == 1 else other_color
        successor = replace(obj, id=2, shape=new_shape, color=PALETTE[new_color], color_name=new_color, appear_s=change_s)
        changed = (replace(obj, vanish_s=change_s), successor)
        where = emerge
    implausible = Scene(width=width, height=height, seed=plausible.seed, background=background,
                        objects=changed, occluders=(bar,))
    name = f"{violation}_{split}_{seed:04d}"
    return Pair(name=name, violation=violation, split=split, seed=int(seed), plausible=plausible,
                implausible=implausible, reveal_s=reveal_s, where=(where[0] / width, where[1] / height),
                duration_s=duration_s, fps=fps)


def clip_frames(scene: Scene, duration_s: float, fps: float) -> Iterator[VideoFrame]:
    """The scene's camera frames (no audio: these clips are about what is seen)."""
    for i in range(round(duration_s * fps)):
        t_ns = round(i * NS_PER_S / fps)
        yield VideoFrame(t_ns=t_ns, seq=i, source="camera", image=render(scene, t_ns / NS_PER_S).image)


def write_clip(scene: Scene, path: Path, duration_s: float, fps: float) -> None:
    """Write one clip as MP4 (mp4v), AVI (MJPG), GIF or MCAP, by the file's extension."""
    ext = path.suffix.lower().lstrip(".")
    frames = list(clip_frames(scene, duration_s, fps))
    if ext == "mcap":
        from streams.recording import McapRecorder

        with McapRecorder(path) as recorder:
            for frame in frames:
                recorder.write(frame)
        return
    if ext in ("mp4", "avi"):
        import cv2

        fourcc = cv2.VideoWriter_fourcc(*("mp4v" if ext == "mp4" else "MJPG"))
        writer = cv2.VideoWriter(str(path), fourcc, fps, (scene.width, scene.height))
        if not writer.isOpened():
            raise SourceError(f"{path}: OpenCV cannot write {ext.upper()} here")
        for frame in frames:
            writer.write(np.ascontiguousarray(frame.image[:, :, ::-1]))
        writer.release()
        return
    if ext == "gif":
        import av

        with av.open(str(path), "w", format="gif") as container:
            stream = container.add_stream("gif", rate=int(round(fps)))
            stream.width, stream.height, stream.pix_fmt = scene.width, scene.height, "rgb8"
            for frame in frames:
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame.image, format="rgb24")):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        return
    raise SourceError(f"{path}: cannot write .{ext} clips; use one of {', '.join(FORMATS)}")


def write_pairs(out: Path, *, per_type: int, split: str = "test", fmt: str = "mp4", first_seed: int = 0,
                violations: tuple[str, ...] = VIOLATIONS, size: tuple[int, int] = (160, 120),
                fps: float = 10.0, duration_s: float = 4.0) -> list[Pair]:
    """Write `per_type` pairs of each violation into `out`; returns them."""
    if fmt not in FORMATS:
        raise SourceError(f"unknown clip format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if per_type < 1:
        raise SourceError(f"per_type must be at least 1, got {per_type}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pairs = []
    for violation in violations:
        for seed in range(first_seed, first_seed + per_type):
            pair = make_pair(violation, seed, split=split, size=size, fps=fps, duration_s=duration_s)
            write_clip(pair.plausible, out / f"{pair.name}_plausible.{fmt}", duration_s, fps)
            write_clip(pair.implausible, out / f"{pair.name}_implausible.{fmt}", duration_s, fps)
            (out / f"{pair.name}.json").write_text(json.dumps(pair.meta(), indent=1) + "\n")
            pairs.append(pair)
    return pairs


__all__ = ["FORMATS", "SPLITS", "VIOLATIONS", "Pair", "clip_frames", "make_pair", "write_clip", "write_pairs"]
