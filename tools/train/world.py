"""Training the latent dynamics, top to bottom.

1. Every data source is cut into the pipeline's ticks and encoded by the (frozen) perception
   model: one latent grid per tick (the newest time slice of the video tokens) and the head
   motion during that tick (IMU gyro yaw/pitch; zeros without an IMU).
2. Windows of `context + horizon` consecutive ticks of one source are the samples.
3. The predictor learns next grid from (last `context` grids, action), teacher forced on every
   step of the window plus a `rollout`-step autoregressive rollout (dynamics.dynamics_loss).

Data specs: synthetic:SCENARIO[:SEEDS] (the seeded generator), pairs:SPLIT[:SEEDS] (the
plausible clips of the violation-of-expectation pairs: objects passing behind bars and coming
out; the train split only, test seeds and backgrounds never), an .mcap recording, a media
file, or a folder of those.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from glasses_agent.errors import GlassesAgentError
from glasses_agent.world_model.checkpoint import save_dynamics
from glasses_agent.world_model.dynamics import DynamicsConfig, LatentDynamics, count_parameters, dynamics_loss

HORIZON = 3  # predicted steps per training window


class WorldDataError(GlassesAgentError):
    """Training data that cannot be used (unknown spec, missing file, too short)."""


def _seeds(text: str | None, default: str) -> list[int]:
    from glasses_agent.perception.data import parse_seeds

    return parse_seeds(text or default)


def frame_sources(spec: str, clip_seconds: float) -> Iterator[tuple[str, Iterable[Any]]]:
    """(name, frames) for each clip a --data spec names: synthetic:SCENARIO[:SEEDS], pairs:train[:SEEDS], a file or a folder."""
    parts = spec.split(":")
    if parts[0] == "synthetic":
        from streams.sources.synthetic import SCENARIOS, SyntheticSource

        scenario = parts[1] if len(parts) > 1 and parts[1] else "mixed"
        if scenario not in SCENARIOS:
            raise WorldDataError(f"unknown synthetic scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}")
        for seed in _seeds(parts[2] if len(parts) > 2 else None, "0-7"):
            yield f"{spec}#{seed}", SyntheticSource(seed=seed, scenario=scenario, duration_s=clip_seconds,
                                                   include_truth=False).frames()
        return
    if parts[0] == "pairs":
        from streams.sources.synthetic.pairs import VIOLATIONS, clip_frames, make_pair

        split = parts[1] if len(parts) > 1 and parts[1] else "train"
        if split != "train":
            raise WorldDataError("pairs:SPLIT trains on the train split only (test pairs are for evaluation)")
        for seed in _seeds(parts[2] if len(parts) > 2 else None, "0-23"):
            pair = make_pair(VIOLATIONS[seed % len(VIOLATIONS)], seed, split="train")
            yield f"pairs:train#{seed}", clip_frames(pair.plausible, pair.duration_s, pair.fps)
        return
    path = Path(spec)
    if not path.exists():
        raise WorldDataError(f"{spec}: no such file or folder (expected a recording, a media file, a folder, "
                             "synthetic:SCENARIO[:SEEDS] or pairs:train[:SEEDS])")
    from streams.sources.media_file import VIDEO_SUFFIXES

    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES | {".mcap"}) if path.is_dir() else [path]
    for file in files:
        if file.suffix.lower() == ".mcap":
            from streams.recording import McapReplaySource

            yield str(file), McapReplaySource(file).frames()
        else:
            from streams.sources.media_file import MediaFileSource

            yield str(file), MediaFileSource(file).frames()


def encode_source(encoder: Any, frames: Iterable[Any], batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(grids (N, H, W, D) float32, actions (N, 2) float32) for one source's ticks."""
    from glasses_agent.perception.data import ticks_of

    grids, actions, pending = [], [], []

    def flush() -> None:
        for tick, percept in zip(pending, encoder.encode(pending)):
            if percept.has_video:
                grids.append(percept.video_tokens[-1])
                gyro = np.array([s.gyro for s in tick.imu], np.float32) if tick.imu else np.zeros((1, 3), np.float32)
                actions.append([gyro[:, 1].mean(), gyro[:, 0].mean()])
        pending.clear()

    for tick in ticks_of(frames, encoder.config):
        if tick.video:
            pending.append(tick)
            if len(pending) >= batch:
                flush()
    if pending:
        flush()
    if not grids:
        return np.zeros((0,), np.float32), np.zeros((0, 2), np.float32)
    return np.stack(grids).astype(np.float32), np.asarray(actions, np.float32)


def train_world(data: list[str], out: str | Path, *, perception: str | None = None, steps: int = 600,
                batch_size: int = 32, lr: float = 2e-3, rollout: int = 2, clip_seconds: float = 10.0,
                seed: int = 0, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Encode the data with the perception model, train the latent dynamics, save them into `out`; returns a summary."""
    from glasses_agent.perception import load_encoder

    started = time.time()
    encoder = load_encoder(perception, threads=None)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    config = DynamicsConfig(width=encoder.width, grid=tuple(encoder.video_grid[1:]))
    window = config.context + HORIZON
    sequences: list[tuple[np.ndarray, np.ndarray]] = []
    ticks = 0
    for spec in data:
        for name, frames in frame_sources(spec, clip_seconds):
            if progress:
                progress(f"encoding {name}")
            grids, actions = encode_source(encoder, frames)
            ticks += len(grids)
            if len(grids) >= window:
                sequences.append((grids, actions))
    if not sequences:
        raise WorldDataError(f"no source in {' '.join(data)} gave {window} ticks of video or more")
    starts = [(k, i) for k, (g, _) in enumerate(sequences) for i in range(len(g) - window + 1)]
    order = rng.permutation(len(starts))
    held = {starts[i] for i in order[: max(1, len(starts) // 10)]}  # a tenth held out for the curve
    train = [s for s in starts if s not in held]
    held_list = sorted(held)

    def batch_of(items: list[tuple[int, int]]) -> tuple[torch.Tensor, torch.Tensor]:
        seq = np.stack([sequences[k][0][i:i + window] for k, i in items])
        act = np.stack([sequences[k][1][i:i + window] for k, i in items])
        return torch.from_numpy(seq), torch.from_numpy(act)

    model = LatentDynamics(config)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    history = []
    for step in range(1, steps + 1):
        model.train()
        lr_now = lr * min(1.0, step / 50) * (0.5 * (1 + np.cos(np.pi * step / steps)) * 0.9 + 0.1)
        for group in optimiser.param_groups:
            group["lr"] = lr_now
        items = [train[j] for j in rng.integers(0, len(train), size=batch_size)]
        seq, act = batch_of(items)
        loss, parts = dynamics_loss(model, seq, act, rollout=rollout)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        if step % 100 == 0 or step == steps:
            model.eval()
            with torch.no_grad():
                seq, act = batch_of(held_list[:256])
                _, held_parts = dynamics_loss(model, seq, act, rollout=rollout)
                # The floor to beat: predicting "nothing changes" (the newest grid again).
                copy = (torch.nn.functional.layer_norm(seq[:, config.context:], (config.width,))
                        - torch.nn.functional.layer_norm(seq[:, config.context - 1:-1], (config.width,))).abs().mean()
            history.append({"step": step, **parts, "held_out": held_parts["teacher"], "copy_last": float(copy)})
            if progress:
                progress(f"step {step}/{steps} loss {parts['loss']:.4f} held-out {held_parts['teacher']:.4f} "
                         f"(copy-last {float(copy):.4f})")
    meta = {
        "perception": perception or "default",
        "training": {"data": data, "steps": steps, "batch_size": batch_size, "lr": lr, "rollout": rollout,
                     "horizon": HORIZON, "seed": seed, "ticks": ticks, "windows": len(starts),
                     "seconds": round(time.time() - started, 1)},
        "history": history,
    }
    save_dynamics(out, model.eval(), meta)
    last = history[-1]
    return {"out": str(out), "parameters": count_parameters(model), "ticks": ticks, "windows": len(starts),
            "held_out_l1": round(last["held_out"], 4), "copy_last_l1": round(last["copy_last"], 4),
            "seconds": round(time.time() - started, 1)}
