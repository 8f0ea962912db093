"""The training loop: masked prediction over clip sets, with collapse monitoring and checkpoints.

    trainer = Trainer(model_config, TrainConfig(objective="ema", steps=2000), clips, eval_clips)
    trainer.run(out_dir)           # writes perception.safetensors, config.json, history.json, curves.png

Same seed, same data, same thread count -> the same loss curve: batches and masks come from one
seeded numpy generator, weights from torch's seeded generator.
"""

from __future__ import annotations

import copy
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from glasses_agent.perception.checkpoint import load_module_state, read_checkpoint, save_checkpoint
from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.data import ClipSet
from glasses_agent.perception.errors import CheckpointError, EmptyDatasetError
from glasses_agent.perception.masks import DEFAULT_WEIGHTS, sample_mask
from glasses_agent.perception.models.jepa import Encoder, Predictor, count_parameters
from glasses_agent.perception.objectives import (
    OBJECTIVES, collapse_figures, ema_update, jepa_loss, pixel_loss, sigreg,
)

STATE_NAME = "train_state.pt"


@dataclass
class TrainConfig:
    """How to train: objective, schedule (steps, warm-up, learning rate, EMA momentum), seed, mask mix."""

    objective: str = "sigreg"  # sigreg | ema | pixel
    steps: int = 2000
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.05
    warmup: int = 100
    ema_start: float = 0.99
    ema_end: float = 1.0
    sigreg_lambda: float = 0.5
    seed: int = 0
    eval_every: int = 250
    device: str = "cpu"
    mask_weights: tuple[float, ...] = DEFAULT_WEIGHTS  # blocks, future, drop_video, drop_audio


def scene_embeddings(encoder: Encoder, clips: ClipSet, device: str, batch: int = 128) -> torch.Tensor:
    """Pooled (mean over all tokens) embeddings of every clip, as the inference API computes them."""
    out = []
    encoder.eval()
    with torch.inference_mode():
        for i in range(0, len(clips), batch):
            v, a = clips.batch(np.arange(i, min(len(clips), i + batch)))
            tv, ta = encoder(v.to(device), a.to(device))
            out.append(torch.cat([tv, ta], dim=1).mean(1).cpu())
    return torch.cat(out)


class Trainer:
    """The perception model's training loop: encoder + predictor under one objective, evaluated and saved as it goes."""

    def __init__(self, model_config: ModelConfig, config: TrainConfig, clips: ClipSet,
                 eval_clips: ClipSet | None = None) -> None:
        if config.objective not in OBJECTIVES:
            raise ValueError(f"unknown objective {config.objective!r}; expected one of {OBJECTIVES}")
        if len(clips) == 0:
            raise EmptyDatasetError("no training clips")
        self.mc, self.tc = model_config, config
        self.clips, self.eval_clips = clips, eval_clips
        self.device = torch.device(config.device)
        torch.manual_seed(config.seed)
        self.encoder = Encoder(model_config).to(self.device)
        c = model_config
        if config.objective == "pixel":
            out_v, out_a = 3 * c.tubelet_frames * c.patch_size ** 2, c.mel_patch * c.time_patch
        else:
            out_v = out_a = c.width
        self.predictor = Predictor(model_config, out_v, out_a).to(self.device)
        self.target = copy.deepcopy(self.encoder).requires_grad_(False) if config.objective == "ema" else None
        params = list(self.encoder.parameters()) + list(self.predictor.parameters())
        decay = [p for p in params if p.ndim >= 2]
        no_decay = [p for p in params if p.ndim < 2]
        self.opt = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                                      {"params": no_decay, "weight_decay": 0.0}], lr=config.lr, betas=(0.9, 0.98))
        self.rng = np.random.default_rng([config.seed, 7])
        self.sig_gen = torch.Generator().manual_seed(config.seed + 1)
        self.step = 0
        self.history: list[dict[str, Any]] = []

    @property
    def parameters(self) -> dict[str, int]:
        """Parameter counts of the encoder and the predictor."""
        return {"encoder": count_parameters(self.encoder), "predictor": count_parameters(self.predictor)}

    def lr_at(self, step: int) -> float:
        """Learning rate at `step`: linear warm-up, then cosine down to a tenth."""
        tc = self.tc
        if step < tc.warmup:
            return tc.lr * (step + 1) / tc.warmup
        progress = (step - tc.warmup) / max(1, tc.steps - tc.warmup)
        return tc.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))

    def loss_on(self, video: torch.Tensor, mel: torch.Tensor, mask) -> tuple[torch.Tensor, dict[str, float]]:
        """The objective's loss on a batch under `mask`, and its parts as floats."""
        tc, mc = self.tc, self.mc
        if tc.objective == "pixel":
            loss, _ = pixel_loss(self.encoder, self.predictor, video, mel, mask, mc)
            return loss, {"pred": float(loss.detach())}
        target = self.target if tc.objective == "ema" else self.encoder
        pred, context = jepa_loss(self.encoder, self.predictor, target, video, mel, mask, mc)
        if tc.objective == "ema":
            return pred, {"pred": float(pred.detach())}
        tokens = context.reshape(-1, context.shape[-1])
        # A random subset of token embeddings is enough for the test and keeps the step cheap.
        keep = torch.randperm(len(tokens), generator=self.sig_gen)[:1024].to(tokens.device)
        # Tokens and the pooled per-clip embedding both: the scene embedding is what the agent uses.
        # Two random directions per embedding dimension (at most 256) sketch the distribution well enough.
        directions = min(256, 2 * mc.width)
        reg = (sigreg(tokens.index_select(0, keep), self.sig_gen, directions)
               + sigreg(context.mean(1), self.sig_gen, directions))
        loss = (1 - tc.sigreg_lambda) * pred + tc.sigreg_lambda * reg
        return loss, {"pred": float(pred.detach()), "sigreg": float(reg.detach())}

    def train_step(self) -> dict[str, float]:
        """One optimiser step on a random batch and mask; returns step, loss, its parts and the learning rate."""
        tc = self.tc
        self.encoder.train()
        self.predictor.train()
        index = self.rng.integers(0, len(self.clips), size=tc.batch_size)
        mask = sample_mask(self.rng, self.mc.video_grid, self.mc.audio_grid, weights=tuple(tc.mask_weights))
        video, mel = self.clips.batch(index)
        for group in self.opt.param_groups:
            group["lr"] = self.lr_at(self.step)
        loss, parts = self.loss_on(video.to(self.device), mel.to(self.device), mask)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(self.encoder.parameters()) + list(self.predictor.parameters()), 1.0)
        self.opt.step()
        if self.target is not None:
            m = tc.ema_start + (tc.ema_end - tc.ema_start) * min(1.0, self.step / max(1, tc.steps))
            ema_update(self.target, self.encoder, m)
        self.step += 1
        return {"step": self.step, "loss": float(loss.detach()), **parts, "lr": self.lr_at(self.step - 1)}

    def evaluate(self) -> dict[str, float]:
        """Held-out loss on fixed masks and the collapse figures of the scene embedding."""
        clips = self.eval_clips if self.eval_clips is not None and len(self.eval_clips) else self.clips
        rng = np.random.default_rng([self.tc.seed, 99])  # the same masks and clips at every evaluation
        index = rng.choice(len(clips), size=min(len(clips), 128), replace=False)
        video, mel = clips.batch(np.sort(index))
        self.encoder.eval()
        self.predictor.eval()
        losses = []
        with torch.no_grad():
            for strategy in ("blocks", "future", "drop_video", "drop_audio"):
                mask = sample_mask(rng, self.mc.video_grid, self.mc.audio_grid, strategy=strategy)
                losses.append(float(self.loss_on(video.to(self.device), mel.to(self.device), mask)[1]["pred"]))
        figures = collapse_figures(scene_embeddings(self.encoder, clips, str(self.device)))
        return {"eval_loss": float(np.mean(losses)), **figures}

    def run(self, out: str | Path | None = None, progress: Callable[[dict[str, Any]], None] | None = None,
            until: int | None = None) -> list[dict[str, Any]]:
        """Train to `tc.steps` (or stop early at `until`, as an interrupted run would)."""
        t0 = time.perf_counter()
        while self.step < min(self.tc.steps, until or self.tc.steps):
            record = self.train_step()
            evaluate = self.step % self.tc.eval_every == 0 or self.step == self.tc.steps
            if evaluate:
                record.update(self.evaluate())
            record["elapsed_s"] = round(time.perf_counter() - t0, 2)
            self.history.append(record)
            if evaluate and out is not None:
                self.save(out)
            if progress is not None:
                progress(record)
        if out is not None:
            self.save(out)
        return self.history

    # -- checkpoints ---------------------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        """What the checkpoint records beside the tensors: objective, training settings, parameter counts."""
        return {"objective": self.tc.objective, "training": {**asdict(self.tc), "step": self.step},
                "parameters": self.parameters}

    def save(self, out: str | Path) -> None:
        """Write the checkpoint, the optimiser and RNG state (to resume), history.json and curves.png into `out`."""
        out = Path(out)
        modules = {"encoder": self.encoder, "predictor": self.predictor}
        if self.target is not None:
            modules["target"] = self.target
        save_checkpoint(out, self.mc, modules, self.meta())
        torch.save({"opt": self.opt.state_dict(), "step": self.step, "rng": self.rng.bit_generator.state,
                    "sig_gen": self.sig_gen.get_state(), "torch_rng": torch.get_rng_state()}, out / STATE_NAME)
        (out / "history.json").write_text(json.dumps(self.history) + "\n")
        write_curves(self.history, out / "curves.png")

    def init_from(self, source: str | Path) -> None:
        """Start from a checkpoint's weights (same shape): its encoder, and its predictor when it holds one
        of this objective's shape; the optimiser, schedule and step start afresh."""
        config, tensors, _ = read_checkpoint(source)
        if config != self.mc:
            raise CheckpointError(f"{source}: checkpoint of another shape than this run's model config")
        load_module_state(self.encoder, tensors, "encoder", str(source))
        if any(k.startswith("predictor.") for k in tensors):
            load_module_state(self.predictor, tensors, "predictor", str(source))
        if self.target is not None:
            self.target.load_state_dict(self.encoder.state_dict())

    def resume(self, folder: str | Path) -> None:
        """Continue a run saved in `folder` (same model shape and objective) from its last step."""
        folder = Path(folder)
        config, tensors, meta = read_checkpoint(folder)
        if config != self.mc:
            raise CheckpointError(f"{folder}: checkpoint of another shape than this run's model config")
        if meta.get("objective") != self.tc.objective:
            raise CheckpointError(f"{folder}: trained with objective {meta.get('objective')!r}, not {self.tc.objective!r}")
        load_module_state(self.encoder, tensors, "encoder", str(folder))
        load_module_state(self.predictor, tensors, "predictor", str(folder))
        if self.target is not None:
            load_module_state(self.target, tensors, "target", str(folder))
        state_path = folder / STATE_NAME
        if not state_path.exists():
            raise CheckpointError(f"{state_path}: no training state to resume from")
        state = torch.load(state_path, weights_only=False)
        self.opt.load_state_dict(state["opt"])
        self.step = int(state["step"])
        self.rng.bit_generator.state = state["rng"]
        self.sig_gen.set_state(state["sig_gen"])
        torch.set_rng_state(state["torch_rng"])
        history_path = folder / "history.json"
        self.history = json.loads(history_path.read_text()) if history_path.exists() else []


def write_curves(history: list[dict[str, Any]], path: Path) -> None:
    """Training loss, held-out loss, min per-dimension std and effective rank against the step,
    each on its own labelled axes (tools.figures)."""
    from tools.figures import training_curves

    training_curves(history, path)
