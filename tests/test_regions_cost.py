"""The region cue's cost cuts change nothing it reports: `passing_by` is asked once a track's
sighting (not once by each gate that reads it), and the regions' pixel spread is the same as
measured from freshly made coordinate grids."""

from __future__ import annotations

import math

import cv2
import numpy as np

from glasses_agent.detectors import base, region_segments as segments, regions as region_cue
from glasses_agent.detectors.region_segments import regions
from glasses_agent.detectors.regions import RegionGrowthCue

H, W = 72, 128
TICK_NS = 100_000_000


def _frames(seed: int, n: int) -> list[np.ndarray]:
    """A panning view of random blocks with an even disc growing off the heading (it passes by) and
    one growing at the centre: both pass the outline's gates, so every gate asks `passing_by`."""
    rng = np.random.default_rng(seed)
    small = rng.integers(40, 256, size=(H // 3, 2 * W // 3, 3), dtype=np.uint8)
    scenery = cv2.resize(small, (2 * W, H), interpolation=cv2.INTER_NEAREST)
    out = []
    for i in range(n):
        pan = (i * 3) % W
        image = np.ascontiguousarray(scenery[:, pan:pan + W])
        for (x0, y0, vx), colour in (((0.5, 0.5, 0.0), (30, 30, 36)), ((0.6, 0.4, 0.012), (220, 40, 40))):
            size = 0.06 * math.exp(0.7 * i / 10)
            cv2.circle(image, (int((x0 + vx * i) * W), int(y0 * H)), max(1, int(size * H / 2)), colour, -1,
                       lineType=cv2.LINE_AA)
        out.append(image)
    return out


def _run(frames: list[np.ndarray]) -> list:
    cue = RegionGrowthCue()
    return [cue.update(f, i * TICK_NS) for i, f in enumerate(frames)]


def test_passing_by_is_asked_once_a_sighting_and_the_cues_are_as_asking_every_time(monkeypatch):
    frames = _frames(3, 30)
    asked: list[tuple] = []
    real = base.passing_by

    def counted(t, boxes):
        asked.append((tuple(float(v) for v in t), tuple(boxes)))
        return real(t, boxes)

    monkeypatch.setattr(region_cue, "passing_by", counted)
    cached = _run(frames)
    assert asked, "the scene should reach the passing-by gate"
    assert len(asked) == len(set(asked)), "the same sightings were judged passing by more than once"

    # Every gate asking it afresh (the cache defeated): the same cues, field by field.
    monkeypatch.setattr(region_cue, "_passing", lambda track, short: real(
        [(s[0] - short[0][0]) / 1e9 for s in short], [s[2] for s in short]))
    assert repr(_run(frames)) == repr(cached)


def test_region_spread_is_as_from_fresh_grids(monkeypatch):
    frames = [f for seed in range(5) for f in _frames(seed, 30)[::5]]
    kept = [regions(f) for f in frames]
    assert sum(len(r) for r in kept) > 20

    def fresh(h, w):  # the grids made anew each call, as before they were kept
        gy, gx = np.indices((h, w), dtype=np.float32)
        return gx.reshape(-1) * gx.reshape(-1), gy.reshape(-1) * gy.reshape(-1)

    monkeypatch.setattr(segments, "_squared_coordinates", fresh)
    assert repr([regions(f) for f in frames]) == repr(kept)
