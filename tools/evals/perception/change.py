"""Appearance change: does the appearance latent of the object's box change more when the object turns
into another object (voe_dev constancy, implausible twin) than when it only glides on (plausible twin)?

The box is found from the twins' difference: they are identical until the change at CHANGE_S,
then differ exactly where the object is. The difference's bounding box at several moments after
the change gives the object's size and its straight glide (a least-squares line through the
centres), extrapolated back to the moment before the change. Score of a pair: 1 when the cosine
change of the box's feature from before to after is larger in the implausible twin (0.5 a tie);
the seed draws the two moments (before: 0.2 to 0.8 s ahead of the change; after: 0.4 to 1.0 s
past it, so every frame of the model's clip shows the new object).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glasses_agent.perception.errors import EmptyDatasetError
from tools.evals.perception.features import cosine_matrix
from tools.evals.perception.footage import Footage

CHANGE_S = 3.0
PROBE_TIMES = (3.3, 3.6, 3.9, 4.2, 4.5, 4.8)
DIFF_LEVEL = 40  # summed |RGB| difference that marks a pixel as the object's (codec noise stays far below)


def constancy_pairs(folder: Path) -> list[tuple[Path, Path]]:
    """(plausible, implausible) files of every constancy pair in a voe_dev-style folder."""
    pairs = []
    for plaus in sorted(Path(folder).glob("*constancy*_plausible.mp4")):
        implaus = plaus.with_name(plaus.name.replace("_plausible.mp4", "_implausible.mp4"))
        if implaus.exists():
            pairs.append((plaus, implaus))
    if not pairs:
        raise EmptyDatasetError(f"{folder}: no constancy pairs (*constancy*_plausible.mp4 with its _implausible twin)")
    return pairs


def glide_box(a: Footage, b: Footage) -> callable:
    """The object's box (fractions) at any time, from the twins' difference after the change."""
    w, h = a.size
    centres, sizes, times = [], [], []
    for t in PROBE_TIMES:
        if t >= min(a.duration, b.duration):
            continue
        diff = np.abs(a.frame(t).astype(int) - b.frame(t).astype(int)).sum(2) > DIFF_LEVEL
        ys, xs = np.nonzero(diff)
        if len(xs) < 20:
            continue
        x0, x1, y0, y1 = np.percentile(xs, 2), np.percentile(xs, 98), np.percentile(ys, 2), np.percentile(ys, 98)
        centres.append(((x0 + x1) / 2, (y0 + y1) / 2))
        sizes.append((x1 - x0, y1 - y0))
        times.append(t)
    if len(times) < 2:
        raise EmptyDatasetError(f"{a.path.name}: the twins do not differ after {CHANGE_S} s; not a constancy pair")
    c = np.array(centres)
    fx, fy = np.polyfit(times, c[:, 0], 1), np.polyfit(times, c[:, 1], 1)
    sw, sh = np.median(np.array(sizes), axis=0)

    def box(t: float) -> np.ndarray:
        cx, cy = np.polyval(fx, t), np.polyval(fy, t)
        return np.array([(cx - sw / 2) / w, (cy - sh / 2) / h, (cx + sw / 2) / w, (cy + sh / 2) / h])

    return box


def change_accuracy(pairs: list[tuple[Footage, Footage]], feature_sets: list, seed: int, frames: int,
                    rate: float) -> dict[str, float]:
    """Pairwise accuracy of each feature source: implausible twin's cosine change > plausible twin's."""
    rng = np.random.default_rng([seed, 29])
    clips, boxes = [], []
    for plaus, implaus in pairs:
        box = glide_box(plaus, implaus)
        before = CHANGE_S - rng.uniform(0.2, 0.8)
        after = CHANGE_S + rng.uniform(0.4, 1.0)
        for clip in (plaus, implaus):
            for t in (before, after):
                clips.append(clip.clip(t, frames, rate))
                boxes.append(box(t))
    out = {}
    for fs in feature_sets:
        f = fs.boxes(np.stack(clips), np.stack(boxes))
        f = f - f.mean(0, keepdims=True)
        f = f.reshape(len(pairs), 2, 2, -1)  # pair, twin (plausible, implausible), moment (before, after)
        change = np.array([[1 - cosine_matrix(f[p, k, :1], f[p, k, 1:])[0, 0] for k in range(2)] for p in range(len(pairs))])
        out[fs.name] = float(np.mean((change[:, 1] > change[:, 0]) + 0.5 * (change[:, 1] == change[:, 0])))
    return out
