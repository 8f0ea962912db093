"""Is an encoder collapsed? Per-dimension std and effective rank of its scene embedding on held-out
scenes (seeds that no default training run uses), beside an untrained encoder's figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.data import ticks_of
from glasses_agent.perception.inference import PerceptionEncoder, load_encoder
from glasses_agent.perception.models.jepa import Encoder
from glasses_agent.perception.objectives import collapse_figures

HELD_OUT = (("mixed", 9001), ("mixed", 9002), ("approach", 9003), ("occlusion", 9004))


def held_out_scene_embeddings(encoder: PerceptionEncoder, seconds: float = 5.0) -> np.ndarray:
    """Scene embeddings of every tick (after the first second) of the held-out scenes, via encode()."""
    from streams.sources.synthetic import SyntheticSource

    rows = []
    for scenario, seed in HELD_OUT:
        source = SyntheticSource(seed=seed, scenario=scenario, duration_s=seconds, include_truth=False)
        ticks = list(ticks_of(source.frames(), encoder.config))[10:]
        rows.extend(p.scene for p in encoder.encode(ticks))
    return np.stack(rows)


def collapse_report(checkpoint: str | Path | None = None, *, seed: int = 0) -> dict[str, Any]:
    """Collapse figures (per-dimension std, effective rank) of the checkpoint and of an untrained encoder, with the bounds."""
    trained = load_encoder(checkpoint, threads=None)
    torch.manual_seed(seed)
    untrained = PerceptionEncoder(Encoder(ModelConfig.from_dict(trained.config.to_dict())), trained.config, "untrained")
    report: dict[str, Any] = {"width": trained.width, "held_out": [f"synthetic:{s}:{n}" for s, n in HELD_OUT]}
    for name, encoder in (("trained", trained), ("untrained", untrained)):
        z = torch.from_numpy(held_out_scene_embeddings(encoder))
        report[name] = {k: round(v, 4) for k, v in collapse_figures(z).items()}
        report[name]["clips"] = int(len(z))
    report["bounds"] = {"std_min_above": 0.01, "effective_rank_at_least": 0.1 * trained.width}
    return report
