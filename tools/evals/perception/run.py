"""The perception evaluation: three tasks, several feature sources, several seeds, on the reporting half.

    result = run_perception_eval(EvalSettings(checkpoints={"trained": ["runs/a", "runs/b", "runs/c"]}))
    print(format_table(result))

Seed s draws the composited episodes, the sound mixes and the moments of the change task, and
initialises the untrained encoder; a row given one checkpoint per seed uses checkpoint s at seed s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from glasses_agent.perception.checkpoint import load_module_state, read_checkpoint
from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.errors import CheckpointError
from glasses_agent.perception.models.jepa import Encoder
from tools import data_splits
from tools.evals.perception.change import change_accuracy, constancy_pairs
from tools.evals.perception.features import EncoderFeatures, RawFeatures, untrained_encoder
from tools.evals.perception.footage import Footage
from tools.evals.perception.objects import object_reid_map
from tools.evals.perception.sounds import sound_reid_map

TASKS = ("object re-id (mAP)", "sound re-id (mAP)", "appearance change (pair acc.)")


@dataclass
class EvalSettings:
    """Which checkpoints (row label -> one path, or one per seed), how many seeds, how large each task is."""

    checkpoints: dict[str, list[str]] = field(default_factory=lambda: {"shipped": [""]})
    seeds: int = 3
    episodes_per_clip: int = 2
    voe_dir: Path = data_splits.SHARED_DATA / "voe_dev"
    data: Path = data_splits.SHARED_DATA
    max_clips: int | None = None  # a smoke run: the first reporting clips only
    readout: str = "frame"  # how an encoder reads a box: features.READOUTS


def _encoder_at(path: str, seed: int) -> tuple[Encoder, ModelConfig]:
    config, tensors, _ = read_checkpoint(path or None)
    model = Encoder(config)
    load_module_state(model, tensors, "encoder", path or "default checkpoint")
    return model.eval(), config


def _feature_sets(s: EvalSettings, seed: int) -> list:
    sets, config = [], None
    for label, paths in s.checkpoints.items():
        if len(paths) not in (1, s.seeds):
            raise CheckpointError(f"{label}: give one checkpoint or one per seed ({s.seeds}), got {len(paths)}")
        model, config = _encoder_at(paths[seed if len(paths) > 1 else 0], seed)
        sets.append(EncoderFeatures(label, model, config, s.readout))
    config = config or ModelConfig()
    sets.append(EncoderFeatures("untrained", untrained_encoder(config, seed), config, s.readout))
    sets.append(RawFeatures(config))
    return sets


def run_perception_eval(s: EvalSettings, log: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Every task for every feature source and seed: {"rows": {label: {task: [per-seed values]}}, ...}."""
    from tools.evals.probe.scenes import decode_mono

    t0 = time.perf_counter()
    videos = data_splits.reporting("video", s.data)[: s.max_clips]
    footage = [Footage(p) for p in videos]
    sr = ModelConfig().sample_rate
    sounds = [decode_mono(p, sr) for p in data_splits.reporting("sounds", s.data)]
    speech = [decode_mono(p, sr) for p in data_splits.reporting("speech", s.data)]
    enroll_bed = decode_mono(data_splits.tuning("noise", s.data)[0], sr)
    test_bed = decode_mono(data_splits.reporting("noise", s.data)[0], sr)
    pairs = [(Footage(a), Footage(b)) for a, b in constancy_pairs(s.voe_dir)][: s.max_clips]
    rows: dict[str, dict[str, list[float]]] = {}
    for seed in range(s.seeds):
        sets = _feature_sets(s, seed)
        c = sets[0].config
        results = [
            object_reid_map(footage, footage, sets, seed, episodes_per_clip=s.episodes_per_clip,
                            frames=c.frames, rate=c.frame_rate),
            sound_reid_map(sounds, speech, enroll_bed, test_bed, sets, seed, sr),
            change_accuracy(pairs, sets, seed, c.frames, c.frame_rate),
        ]
        for task, res in zip(TASKS, results):
            for label, value in res.items():
                rows.setdefault(label, {}).setdefault(task, []).append(value)
        log(f"seed {seed}: " + "; ".join(f"{k} " + " ".join(f"{v[t][-1]:.3f}" for t in TASKS) for k, v in rows.items())
            + f" ({time.perf_counter() - t0:.0f} s)")
    return {"rows": rows, "tasks": list(TASKS), "seeds": s.seeds, "checkpoints": s.checkpoints, "readout": s.readout,
            "videos": [str(p) for p in videos], "constancy_pairs": len(pairs),
            "elapsed_s": round(time.perf_counter() - t0, 1)}


def format_table(result: dict[str, Any]) -> str:
    """Markdown: one row a feature source, mean ± std over seeds for each task."""
    tasks = result["tasks"]
    lines = ["| features | " + " | ".join(tasks) + " |", "|---" * (len(tasks) + 1) + "|"]
    for label, vals in result["rows"].items():
        cells = [f"{np.mean(vals[t]):.3f} ± {np.std(vals[t]):.3f}" for t in tasks]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def winners(result: dict[str, Any]) -> dict[str, str]:
    """The feature source with the highest mean on each task ("a, b (tie)" when several share it)."""
    out = {}
    for t in result["tasks"]:
        means = {k: float(np.mean(v[t])) for k, v in result["rows"].items()}
        best = max(means.values())
        top = [k for k, m in means.items() if m >= best - 1e-9]
        out[t] = top[0] if len(top) == 1 else ", ".join(top) + " (tie)"
    return out
