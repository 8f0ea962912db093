"""Object re-identification: enroll an object's box at one moment of a real clip, then rank the boxes
of later moments (the object moved, turned, rescaled, relit, partly hidden) against distractor
objects in the same frames. Mean average precision.

Each episode composites over one reporting clip (its own frames and camera motion at every
moment): OBJECTS soft-edged crops cut from other reporting clips (the most textured of a few
random squares) are pasted at distinct places, gliding. The enrollment moment shows each object
as cut; each of the LATER moments shows all of them elsewhere, each turned, rescaled, relit and
half the time partly hidden. Every object is drawn the same way, target or distractor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.evals.perception.features import average_precision, cosine_matrix
from tools.evals.perception.footage import Footage, cut_object, paste, transform_object

OBJECTS = 4
LATER = 4
OBJECT_HEIGHT = 0.3  # an object's side, as a fraction of the frame's height
SLOTS = (3, 2)  # distinct places: a 3x2 grid of cells, one object per cell, jittered inside it


@dataclass
class Scene:
    """Composited clips and the boxes in them: box_clip[i] is the clip index of box i, owner[i] its object."""

    clips: list[np.ndarray]
    boxes: np.ndarray  # (N, 4) fractions of the frame
    box_clip: np.ndarray
    owner: np.ndarray
    enrolled: np.ndarray  # bool: the enrollment moment's boxes


def _places(rng: np.random.Generator, w: int, h: int, side: int) -> list[tuple[float, float]]:
    cols, rows = SLOTS
    cells = rng.choice(cols * rows, size=OBJECTS, replace=False)
    out = []
    for c in cells:
        cx0, cy0 = (c % cols) * w / cols, (c // cols) * h / rows
        cx = cx0 + side / 2 + rng.uniform(0, max(0.0, w / cols - side))
        cy = cy0 + side / 2 + rng.uniform(0, max(0.0, h / rows - side))
        out.append((cx, cy))
    return out


def _moment(bg: Footage, t: float, objects: list[np.ndarray], rng: np.random.Generator, frames: int, rate: float,
            changed: bool) -> tuple[np.ndarray, list[np.ndarray]]:
    """One clip ending at t with every object pasted (gliding), and each object's box at its last frame."""
    w, h = bg.size
    side = objects[0].shape[0]
    places = _places(rng, w, h, side)
    shown, hides, velocities = [], [], []
    for obj in objects:
        shown.append(transform_object(obj, rng, turn=45.0, scale=(0.8, 1.15), light=0.25) if changed else obj)
        hide = None
        if changed and rng.random() < 0.5:
            cover = rng.uniform(0.25, 0.45)
            hide = [(0, 0, cover, 1), (1 - cover, 0, 1, 1), (0, 0, 1, cover), (0, 1 - cover, 1, 1)][int(rng.integers(0, 4))]
        hides.append(hide)
        velocities.append(rng.uniform(-0.25, 0.25, size=2) * h)  # pixels a second
    background = bg.clip(t, frames, rate)
    clip = []
    for k in range(frames):
        dt = (k - (frames - 1)) / rate
        frame = background[k]
        for obj, (cx, cy), v, hide in zip(shown, places, velocities, hides):
            frame = paste(frame, obj, cx + v[0] * dt, cy + v[1] * dt, hide)
        clip.append(frame)
    boxes = [np.array([(cx - side / 2) / w, (cy - side / 2) / h, (cx + side / 2) / w, (cy + side / 2) / h])
             for cx, cy in places]
    return np.stack(clip), boxes


def make_scene(bg: Footage, sources: list[Footage], rng: np.random.Generator, frames: int, rate: float) -> Scene:
    """One episode over `bg` with objects cut from `sources` (other clips)."""
    side = int(round(OBJECT_HEIGHT * bg.size[1]))
    objects = []
    for _ in range(OBJECTS):
        src = sources[int(rng.integers(0, len(sources)))]
        frame = src.frame(float(rng.uniform(0, src.duration)))
        scale = bg.size[0] / frame.shape[1]  # cut at the background's scale (both FRAME_WIDTH wide)
        objects.append(cut_object(frame, rng, max(8, int(round(side / scale)))))
    span = bg.duration
    t0 = float(rng.uniform(frames / rate, max(frames / rate + 0.01, 0.4 * span)))
    times = [t0] + sorted(rng.uniform(min(t0 + 0.5, span), span, size=LATER).tolist())
    clips, boxes, box_clip, owner, enrolled = [], [], [], [], []
    for k, t in enumerate(times):
        clip, bxs = _moment(bg, t, objects, rng, frames, rate, changed=k > 0)
        clips.append(clip)
        for i, b in enumerate(bxs):
            boxes.append(b)
            box_clip.append(k)
            owner.append(i)
            enrolled.append(k == 0)
    return Scene(clips, np.array(boxes), np.array(box_clip), np.array(owner), np.array(enrolled))


def scene_aps(scene: Scene, features) -> list[float]:
    """Average precision of each enrolled object's ranking of the later boxes (features centred over the scene)."""
    clips = np.stack([scene.clips[k] for k in scene.box_clip])
    f = features.boxes(clips, scene.boxes)
    f = f - f.mean(0, keepdims=True)
    enrolled, later = np.where(scene.enrolled)[0], np.where(~scene.enrolled)[0]
    sims = cosine_matrix(f[enrolled], f[later])
    return [average_precision(sims[q], scene.owner[later] == scene.owner[e]) for q, e in enumerate(enrolled)]


def object_reid_map(backgrounds: list[Footage], sources: list[Footage], feature_sets: list, seed: int, *,
                    episodes_per_clip: int, frames: int, rate: float) -> dict[str, float]:
    """mAP of each feature source over the same composited episodes (one seed draws them all)."""
    rng = np.random.default_rng([seed, 17])
    aps: dict[str, list[float]] = {fs.name: [] for fs in feature_sets}
    for bi, bg in enumerate(backgrounds):
        others = [s for s in sources if s.path != bg.path] or sources
        for _ in range(episodes_per_clip):
            scene = make_scene(bg, others, rng, frames, rate)
            for fs in feature_sets:
                aps[fs.name].extend(scene_aps(scene, fs))
    return {name: float(np.mean(v)) for name, v in aps.items()}
