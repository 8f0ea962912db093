"""The latent dynamics: predict the next tick's latent grid from the last few and the head motion.

    state  (B, C, H, W, D)   the perception model's video tokens of the last C ticks (newest last),
                             one time slice each, position kept (H x W grid of width D)
    action (B, 2)            head motion during the next tick: (yaw, pitch) rate in rad/s from the
                             IMU, zeros without one
    ->     (B, H, W, D)      the predicted latent grid of the next tick

A small convolutional net over the grid (3x3 neighbourhoods: things move to neighbouring cells)
that predicts the change from the newest slice. Trained as V-JEPA 2-AC trains its action-
conditioned predictor: L1 on layer-normed target latents, teacher forced (every step from true
context) plus a short autoregressive rollout (its own predictions fed back as context), so it
stays sane when the planner rolls it forward several ticks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from glasses_agent.errors import GlassesAgentError


class WorldCheckpointError(GlassesAgentError):
    """A world-model checkpoint that is missing, unreadable or does not fit."""


@dataclass(frozen=True)
class DynamicsConfig:
    """The latent dynamics' shapes: the perception grid and width, context ticks, hidden width, blocks,
    action."""

    width: int = 128  # D: the perception model's width
    grid: tuple[int, int] = (6, 6)  # H, W of the perception model's video grid
    context: int = 2  # ticks of history the predictor sees
    hidden: int = 96
    blocks: int = 2
    action_dim: int = 2
    action_scale: float = 2.0  # rad/s mapped to about 1

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["grid"] = list(self.grid)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DynamicsConfig":
        known = {f.name for f in fields(cls)}
        if set(data) - known:
            raise WorldCheckpointError(f"world-model config has unknown fields {sorted(set(data) - known)}")
        data = dict(data)
        if "grid" in data:
            data["grid"] = tuple(int(v) for v in data["grid"])
        return cls(**data)


class ResidualBlock(nn.Module):
    """A residual convolution block over the latent grid."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(hidden, hidden, 3, padding=1)
        self.conv2 = nn.Conv2d(hidden, hidden, 3, padding=1)
        self.norm = nn.GroupNorm(1, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.gelu(self.conv1(self.norm(x))))


class LatentDynamics(nn.Module):
    """Predicts the next tick's latent grid from the last ticks' grids and the head motion (action-
    conditioned, as V-JEPA 2-AC)."""

    def __init__(self, config: DynamicsConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.inp = nn.Conv2d(c.width * c.context + c.action_dim, c.hidden, 1)
        self.blocks = nn.ModuleList(ResidualBlock(c.hidden) for _ in range(c.blocks))
        self.out = nn.Conv2d(c.hidden, c.width, 1)

    def forward(self, state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        b, ctx, h, w, d = state.shape
        normed = F.layer_norm(state, (d,))
        x = normed.permute(0, 1, 4, 2, 3).reshape(b, ctx * d, h, w)
        a = (action / self.config.action_scale).view(b, -1, 1, 1).expand(b, action.shape[1], h, w)
        x = self.inp(torch.cat([x, a], dim=1))
        for block in self.blocks:
            x = block(x)
        delta = self.out(x).permute(0, 2, 3, 1)
        return normed[:, -1] + delta  # predicted in layer-normed units, as the targets are

    def rollout(self, state: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Feed predictions back: actions (B, K, 2) -> predicted grids (B, K, H, W, D)."""
        outs = []
        for k in range(actions.shape[1]):
            nxt = self(state, actions[:, k])
            outs.append(nxt)
            state = torch.cat([state[:, 1:], nxt.unsqueeze(1)], dim=1)
        return torch.stack(outs, dim=1)


def token_error(predicted: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
    """Per-cell L1 between a prediction and the layer-normed observation: (..., H, W)."""
    target = F.layer_norm(observed, (observed.shape[-1],))
    return (predicted - target).abs().mean(-1)


def dynamics_loss(model: LatentDynamics, seq: torch.Tensor, actions: torch.Tensor, rollout: int = 2
                  ) -> tuple[torch.Tensor, dict[str, float]]:
    """seq (B, C + K, H, W, D) true latents, actions (B, C + K, 2): action[t] moves t-1 -> t.

    Teacher forcing on every one of the K steps, plus an autoregressive rollout of `rollout`
    steps from the first context window."""
    c = model.config.context
    k = seq.shape[1] - c
    forced = []
    for i in range(k):
        pred = model(seq[:, i:i + c], actions[:, i + c])
        forced.append(token_error(pred, seq[:, i + c]).mean())
    teacher = torch.stack(forced).mean()
    steps = min(rollout, k)
    rolled = model.rollout(seq[:, :c], actions[:, c:c + steps])
    roll = token_error(rolled, seq[:, c:c + steps]).mean()
    loss = teacher + roll
    return loss, {"loss": float(loss.detach()), "teacher": float(teacher.detach()), "rollout": float(roll.detach())}


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
