"""Violation-of-expectation evaluation, as V-JEPA's intuitive-physics protocol does it.

A folder holds pairs NAME_plausible.EXT / NAME_implausible.EXT (MP4, AVI, GIF or MCAP; any rate
and size). Every model turns each clip into a surprise per tick; a pair counts as right for a
model when the plausible clip got the lower surprise, judged by the mean and by the max over
time. The violation type comes from NAME.json ("violation") where the generator wrote one, else
from the first of NAME's words (split at "_") that is a known type.

Models compared on the same pairs:
    world model      object memory + trained latent dynamics (what the agent runs)
    latent only      the trained latent dynamics alone (perception + dynamics, no object memory)
    untrained        the same perception + dynamics architecture with random weights
    pixel            next frame = this frame (copy-last-frame), error = mean |difference|
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from glasses_agent.errors import GlassesAgentError
from glasses_agent.world_model.recordings import clip_frames, clip_ticks

CLIP_SUFFIXES = (".mp4", ".avi", ".gif", ".mcap")
KNOWN_TYPES = ("permanence", "continuity", "constancy")
_NAME = re.compile(r"^(?P<name>.+)_(?P<kind>plausible|implausible)(?P<ext>\.[A-Za-z0-9]+)$")


class PairsError(GlassesAgentError):
    """A pairs folder that cannot be evaluated (missing, empty, mismatched names, unreadable clip)."""


@dataclass(frozen=True)
class ClipPair:
    """One plausible / implausible pair: its name, violation type, the two clips and the generator's notes."""

    name: str
    violation: str
    plausible: Path
    implausible: Path
    meta: dict[str, Any] = field(default_factory=dict)


def find_pairs(folder: str | Path) -> list[ClipPair]:
    """Every NAME_plausible.EXT / NAME_implausible.EXT pair in the folder; PairsError when there are none or one is half."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PairsError(f"{folder}: no such folder of clip pairs")
    halves: dict[str, dict[str, Path]] = {}
    for path in sorted(folder.iterdir()):
        m = _NAME.match(path.name)
        if not m or path.suffix.lower() not in CLIP_SUFFIXES:
            continue
        halves.setdefault(m["name"], {})
        if m["kind"] in halves[m["name"]]:
            raise PairsError(f"{folder}: two {m['kind']} clips named {m['name']!r} "
                             f"({halves[m['name']][m['kind']].name}, {path.name})")
        halves[m["name"]][m["kind"]] = path
    if not halves:
        raise PairsError(f"{folder}: no clip pairs (expected NAME_plausible.EXT and NAME_implausible.EXT, "
                         f"EXT one of {', '.join(s[1:] for s in CLIP_SUFFIXES)})")
    pairs = []
    for name, found in sorted(halves.items()):
        missing = {"plausible", "implausible"} - set(found)
        if missing:
            (have,) = found.values()
            raise PairsError(f"{have.name} has no matching {name}_{missing.pop()}.* clip in {folder}")
        meta: dict[str, Any] = {}
        sidecar = folder / f"{name}.json"
        if sidecar.exists():
            try:
                meta = json.loads(sidecar.read_text())
            except (OSError, ValueError):
                meta = {}
        violation = str(meta.get("violation") or "")
        if not violation:  # the first of NAME's words that is a known type ("real_permanence_box_0")
            violation = next((w for w in name.lower().split("_") if w in KNOWN_TYPES), "all")
        pairs.append(ClipPair(name, violation, found["plausible"], found["implausible"], meta))
    return pairs


def pixel_surprise(ticks: list[Any]) -> list[float]:
    """Copy-last-frame prediction error per tick (64x64 grey, mean absolute difference)."""
    out, prev = [], None
    for tick in ticks:
        img = cv2.resize(cv2.cvtColor(tick.latest_video.image, cv2.COLOR_RGB2GRAY), (64, 64), interpolation=cv2.INTER_AREA)
        img = img.astype(np.float32)
        out.append(0.0 if prev is None else float(np.abs(img - prev).mean()))
        prev = img
    return out


def world_surprise(world: Any, ticks: list[Any], percepts: list[Any] | None) -> list[float]:
    """The world model's surprise per tick over a clip, from a fresh state."""
    from glasses_agent.context import TickContext

    world.reset()
    out = []
    for i, tick in enumerate(ticks):
        ctx = TickContext(tick=tick, percept=percepts[i] if percepts else None)
        out.append(world.step(ctx).surprise)
    return out


def pair_verdicts(plausible: list[float], implausible: list[float]) -> dict[str, Any]:
    """Mean and max surprise of both clips, and whether the plausible one is lower by each."""
    p, q = np.asarray(plausible, np.float64), np.asarray(implausible, np.float64)
    return {
        "plausible": {"mean": round(float(p.mean()), 4), "max": round(float(p.max()), 4)},
        "implausible": {"mean": round(float(q.mean()), 4), "max": round(float(q.max()), 4)},
        "right_mean": bool(p.mean() < q.mean()),
        "right_max": bool(p.max() < q.max()),
    }


def evaluate_pairs(pairs: list[ClipPair], models: dict[str, Callable[[Path], list[float]]],
                   progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run every model on every pair; per pair, per violation type and overall accuracies."""
    rows = []
    for k, pair in enumerate(pairs):
        if progress:
            progress(f"[{k + 1}/{len(pairs)}] {pair.name}")
        row: dict[str, Any] = {"name": pair.name, "violation": pair.violation, "models": {}}
        for model, run in models.items():
            row["models"][model] = pair_verdicts(run(pair.plausible), run(pair.implausible))
        rows.append(row)
    types = sorted({r["violation"] for r in rows})
    summary: dict[str, Any] = {}
    for model in models:
        per_type = {}
        for kind in types + ["overall"]:
            chosen = [r for r in rows if kind == "overall" or r["violation"] == kind]
            per_type[kind] = {
                "pairs": len(chosen),
                "accuracy_max": round(float(np.mean([r["models"][model]["right_max"] for r in chosen])), 4),
                "accuracy_mean": round(float(np.mean([r["models"][model]["right_mean"] for r in chosen])), 4),
            }
        summary[model] = per_type
    return {"pairs": rows, "accuracy": summary, "types": types}


def format_table(result: dict[str, Any]) -> str:
    """Pairwise accuracy per violation type and model, as a printed table."""
    models = list(result["accuracy"])
    kinds = result["types"] + ["overall"]
    head = f"{'violation':<12} {'pairs':>5}  " + "  ".join(f"{m:>22}" for m in models)
    lines = ["pairwise accuracy: the plausible clip is the less surprising (max over time / mean over time)",
             head, "-" * len(head)]
    for kind in kinds:
        n = result["accuracy"][models[0]][kind]["pairs"]
        cells = []
        for m in models:
            a = result["accuracy"][m][kind]
            cells.append(f"{a['accuracy_max'] * 100:>9.1f}% / {a['accuracy_mean'] * 100:>5.1f}%")
        lines.append(f"{kind:<12} {n:>5}  " + "  ".join(f"{c:>22}" for c in cells))
    return "\n".join(lines)


def surprise_series(world: Any, path_or_frames: Any, tick_hz: float = 10.0) -> tuple[list[float], float]:
    """(surprise per tick, seconds covered) of a clip or frame source, run through `world`."""
    from glasses_agent.context import TickContext
    from streams.sync import TickSynchronizer, ticks_of_frames

    frames = clip_frames(Path(path_or_frames)) if isinstance(path_or_frames, (str, Path)) else path_or_frames
    ticks = [t for t in ticks_of_frames(frames, TickSynchronizer(tick_hz=tick_hz, video_frames=4)) if t.video]
    world.reset()
    series = [world.step(TickContext(tick=t)).surprise for t in ticks]
    seconds = (ticks[-1].t_ns - ticks[0].t_ns) / 1e9 if len(ticks) > 1 else 0.0
    return series, seconds


def count_alarms(series: list[float], threshold: float) -> int:
    """Rising edges over the threshold: each is one alarm the wearer would get."""
    alarms, above = 0, False
    for z in series:
        now = z >= threshold
        alarms += int(now and not above)
        above = now
    return alarms
