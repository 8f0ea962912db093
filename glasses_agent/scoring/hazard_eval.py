"""Time to contact judged on real footage: objects flown at the wearer over real clips.

Each case paints one `Approach` overlay (a steady-speed approach, so its time to contact is
known exactly from the overlay's own script) over a stretch of a real clip and runs the
agent's own hazard path on it tick by tick (the looming cues of `DetectorSet`, the world
model's ego-motion step for the wearer's own approach, `hazard.looming_warning`); the unaltered clips give the false
hazards a minute. The cues see exactly what they see in the agent: the newest frame each
10 Hz tick, reduced as `DetectorSet` reduces it. (The perception model and the world model's
hazard rule on its tracks are left out: the hazard's deadline is met by the looming cues or not at all.
The world's object memory is stepped, as its world stage steps it, for its boxes: the detectors'
third looming cue times them, a tick late as in the agent.)

    cases = approach_cases(clip_paths, seed=0)
    report = evaluate(cases, clip_paths)
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from glasses_agent.detectors import REDUCED_WIDTH, shrink
from glasses_agent.memory.describe import clock_hour
from glasses_agent.scoring.approach import Approach
from streams.frames import NS_PER_S, ImuSample, VideoFrame

TICK_NS = NS_PER_S // 10
PAINT_WIDTH = 320  # frames are painted at this width, then reduced as the detectors reduce them
DEADLINE_S = 0.3  # the warning is due this long after the time to contact first falls under the limit
HAZARD_GAP_S = 2.0  # the critic's min gap between hazards: false warnings are counted as prompts would be
CONTRASTS = ("dark", "light", "texture")
SPEEDS_K = (0.25, 0.4, 0.6)  # size (view heights) at 1 s from contact: small/far-fast .. big/near-slow
SCORE_LIMIT = 0.5  # the looming score that is a hazard in explore (modes.toml's hazard_looming)
DIRECTIONS = ((0.2, 0.3), (0.5, 0.5), (0.8, 0.7), (0.35, 0.6))  # (x at start, x at contact)


@dataclass
class ClipTicks:
    """A clip as the agent's ticks see it: the newest frame (painted width) and the IMU samples of each tick."""

    path: Path
    t_ns: list[int] = field(default_factory=list)
    images: list[np.ndarray] = field(default_factory=list)
    reduced: list[np.ndarray] = field(default_factory=list)  # as the detectors reduce the full frame (unaltered runs)
    imu: list[tuple[ImuSample, ...]] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return (self.t_ns[-1] - self.t_ns[0]) / NS_PER_S + 0.1 if self.t_ns else 0.0


def load_ticks(path: Path, max_s: float | None = None) -> ClipTicks:
    """Decode a clip into 10 Hz ticks (newest frame at each tick, at PAINT_WIDTH)."""
    from streams.sources.media_file import MediaFileSource

    imu_csv = path.with_suffix(".imu.csv")
    source = MediaFileSource(path, imu_csv=imu_csv if imu_csv.exists() else None)
    out = ClipTicks(path)
    latest: np.ndarray | None = None
    latest_reduced: np.ndarray | None = None
    pending_imu: list[ImuSample] = []
    next_tick: int | None = None
    for frame in source.frames():
        if isinstance(frame, ImuSample):
            pending_imu.append(frame)
            continue
        if not isinstance(frame, VideoFrame):
            continue
        if next_tick is None:
            next_tick = frame.t_ns
        while frame.t_ns > next_tick and latest is not None:
            out.t_ns.append(next_tick)
            out.images.append(latest)
            out.reduced.append(latest_reduced)
            out.imu.append(tuple(s for s in pending_imu if s.t_ns <= next_tick))
            pending_imu = [s for s in pending_imu if s.t_ns > next_tick]
            next_tick += TICK_NS
        h, w = frame.image.shape[:2]
        latest = cv2.resize(frame.image, (PAINT_WIDTH, max(1, round(h * PAINT_WIDTH / w))), interpolation=cv2.INTER_AREA)
        latest_reduced = shrink(frame.image, REDUCED_WIDTH)
        if max_s is not None and out.t_ns and (out.t_ns[-1] - out.t_ns[0]) / NS_PER_S >= max_s:
            break
    if latest is not None:
        out.t_ns.append(next_tick)
        out.images.append(latest)
        out.reduced.append(latest_reduced)
        out.imu.append(tuple(pending_imu))
    return out


@dataclass(frozen=True)
class Case:
    """One flown object: the clip it is painted over, its `Approach` overlay and its contrast."""

    clip: Path
    overlay: Approach
    contrast: str

    def describe(self) -> dict[str, Any]:
        o = self.overlay
        return {"clip": self.clip.name, "contrast": self.contrast, "k": o.k, "x0": o.x0, "x1": o.x1,
                "start_s": round(o.start_s, 2), "contact_s": round(o.contact_s, 2)}


def texture_crops(clips: Iterable[ClipTicks], n: int, seed: int) -> list[np.ndarray]:
    """Square real crops (a third of the view's height) from the given clips' frames."""
    rng = random.Random(seed)
    pool = [c for c in clips if c.images]
    crops = []
    for i in range(n):
        clip = pool[i % len(pool)]
        img = clip.images[rng.randrange(len(clip.images))]
        h, w = img.shape[:2]
        side = h // 3
        x, y = rng.randrange(0, w - side), rng.randrange(0, h - side)
        crops.append(img[y:y + side, x:x + side].copy())
    return crops


def approach_cases(clips: list[ClipTicks], textures: list[np.ndarray], seed: int = 0) -> list[Case]:
    """Every clip x speed x contrast, directions taking turns: each overlay starts 3.5-4.5 s
    before contact (tau 4 s: far enough that nothing is due yet) at a random point of the clip."""
    rng = random.Random(seed)
    cases = []
    for ci, clip in enumerate(clips):
        combos = list(itertools.product(SPEEDS_K, CONTRASTS))
        for j, (k, contrast) in enumerate(combos):
            x0, x1 = DIRECTIONS[(ci + j) % len(DIRECTIONS)]
            lead = rng.uniform(3.5, 4.5)
            room = clip.duration_s - lead - 0.3
            if room <= 0.2:
                continue
            start = clip.t_ns[0] / NS_PER_S + rng.uniform(0.1, room)
            y0 = rng.uniform(0.4, 0.6)
            colour = (30, 30, 36) if contrast == "dark" else (235, 232, 225)
            texture = textures[(ci * 7 + j) % len(textures)] if contrast == "texture" else None
            overlay = Approach(start, start + lead, k=k, x0=x0, x1=x1, y0=y0, y1=y0 + rng.uniform(-0.05, 0.05),
                               color=colour, texture=texture)
            cases.append(Case(clip.path, overlay, contrast))
    return cases


def _hazard_ticks(clip: ClipTicks, lo: int, hi: int, overlay: Approach | None,
                  tau_limit_s: float, score_limit: float = SCORE_LIMIT) -> Iterator[tuple[int, Any]]:
    """Run the agent's hazard path over ticks lo..hi; yields (t_ns, warning or None) per tick."""
    from glasses_agent.actor.hazard import SceneExpansion, looming_warning
    from glasses_agent.detectors import DetectorSet
    from glasses_agent.world_model import WorldModel
    from glasses_agent.world_model.objects import ObjectMemory

    detectors = DetectorSet(qr=False, people=False, speech=False)
    # The world model's own ego-motion step, as the agent's world stage runs it (no latents; its
    # object memory apart, below).
    world = WorldModel(use_objects=False, use_latent=False)
    # The world model's object memory, stepped as its world stage steps it (the same frame, the same
    # work width); its visible tracks' boxes reach the detectors a tick late, as in the agent, where
    # the detectors run beside the world stage. (Alone, without the rest of the world's pixel work:
    # nothing else there moves its tracks.)
    objects = ObjectMemory()
    boxes: tuple[tuple[int, tuple[float, float, float, float]], ...] = ()
    expansion = SceneExpansion()
    for i in range(lo, hi):
        t_ns = clip.t_ns[i]
        # Unaltered: the frame exactly as the agent's detectors reduce it. Painted: at PAINT_WIDTH,
        # then reduced (painting every full-size frame of every case would not fit in memory).
        painted = clip.images[i]
        if overlay is not None and overlay.active(t_ns):
            painted = overlay.paint(painted, t_ns / NS_PER_S)
        image = painted if overlay is not None else clip.reduced[i]
        det = detectors.run(_tick(i, t_ns, image, clip.imu[i]), want=frozenset(), objects=boxes)
        # The world model shrinks each frame to its own work width: from the painted width here.
        pixels = world.observe_pixels(_tick(i, t_ns, painted, clip.imu[i]))
        objects.step(painted, t_ns / NS_PER_S)
        boxes = tuple((track.id, objects.box_fraction(track)) for track in objects.visible_tracks())
        rate = expansion.update(t_ns, pixels.motion if pixels is not None else None)
        yield t_ns, looming_warning(det.looming, tau_limit_s=tau_limit_s, expansion_per_s=rate, growing=det.growing,
                                    score_limit=score_limit)


def _tick(i: int, t_ns: int, image: np.ndarray, imu: tuple[ImuSample, ...]) -> Any:
    from streams.sync import Tick

    frame = VideoFrame(t_ns=t_ns, seq=i, source="camera", image=image)
    return Tick(index=i, t_ns=t_ns, video=(frame,), audio=np.zeros(0, np.int16), sample_rate=16_000,
                audio_coverage=0.0, imu=imu)


@dataclass
class CaseResult:
    """How the hazard path did on one `Case`: when the warning was due and came, and its direction."""

    case: Case
    due_ns: int
    warned_ns: int | None
    clock_due: int
    clock_warned: int | None
    false_before: int  # warnings well before anything was due (counted as false hazards)

    @property
    def hit(self) -> bool:
        return (self.warned_ns is not None and self.warned_ns <= self.due_ns + int(DEADLINE_S * NS_PER_S)
                and self.clock_warned is not None and _clock_gap(self.clock_warned, self.clock_due) <= 1)


def _clock_gap(a: int, b: int) -> int:
    d = abs(a - b) % 12
    return min(d, 12 - d)


def run_case(clip: ClipTicks, case: Case, tau_limit_s: float = 2.0) -> CaseResult:
    o = case.overlay
    lo = max(0, next(i for i, t in enumerate(clip.t_ns) if t >= o.start_s * NS_PER_S - 1.5 * NS_PER_S) if clip.t_ns else 0)
    hi = min(len(clip.t_ns), next((i for i, t in enumerate(clip.t_ns) if t > o.end_s * NS_PER_S), len(clip.t_ns)))
    due = int(round(o.warn_s() * NS_PER_S))
    warned, clock_w, false_before = None, None, 0
    for t_ns, w in _hazard_ticks(clip, lo, hi, o, tau_limit_s):
        if w is None:
            continue
        if t_ns < due - NS_PER_S:
            false_before += 1
            continue
        if t_ns >= due - NS_PER_S and warned is None:
            warned, clock_w = t_ns, clock_hour(w.x)
    x_due = o.at(max(due, warned or due) / NS_PER_S)[0]
    return CaseResult(case, due, warned, clock_hour(x_due), clock_w, false_before)


def false_hazards(clip: ClipTicks, tau_limit_s: float = 2.0, score_limit: float = SCORE_LIMIT) -> list[int]:
    """Warnings on an unaltered clip, with the critic's min gap between hazards applied."""
    out: list[int] = []
    for t_ns, w in _hazard_ticks(clip, 0, len(clip.t_ns), None, tau_limit_s, score_limit):
        if w is not None and (not out or t_ns - out[-1] >= HAZARD_GAP_S * NS_PER_S):
            out.append(t_ns)
    return out


def summarize(results: list[CaseResult]) -> dict[str, Any]:
    hits = [r for r in results if r.hit]
    late = [(r.warned_ns - r.due_ns) / NS_PER_S for r in results if r.warned_ns is not None]
    by: dict[str, list[CaseResult]] = {}
    for r in results:
        by.setdefault(f"contrast={r.case.contrast}", []).append(r)
        by.setdefault(f"k={r.case.overlay.k}", []).append(r)
    return {
        "cases": len(results),
        "recall": round(len(hits) / len(results), 3) if results else None,
        "warned": sum(r.warned_ns is not None for r in results),
        "delay_s_median": round(float(np.median(late)), 2) if late else None,
        "delay_s_max": round(max(late), 2) if late else None,
        "direction_misses": sum(1 for r in results if r.warned_ns is not None and r.clock_warned is not None
                                and _clock_gap(r.clock_warned, r.clock_due) > 1),
        "early_warnings": sum(r.false_before for r in results),
        "by": {k: round(sum(r.hit for r in v) / len(v), 3) for k, v in sorted(by.items())},
    }


def case_row(result: CaseResult) -> dict[str, Any]:
    """One flown object's outcome for `eval hazards --out`: the case, when due, how late (None:
    never warned), hit or not, the directions."""
    late = None if result.warned_ns is None else round((result.warned_ns - result.due_ns) / NS_PER_S, 2)
    return {**result.case.describe(), "due_s": round(result.due_ns / NS_PER_S, 2), "late_s": late, "hit": result.hit,
            "clock_due": result.clock_due, "clock_warned": result.clock_warned, "early_warnings": result.false_before}


def per_minute(count: int, seconds: float) -> float:
    return round(count * 60.0 / seconds, 2) if seconds > 0 else math.nan
