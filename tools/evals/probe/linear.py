"""Frozen features that keep position, and linear probes on them.

Mean-pooling every token erases motion (DESIGN.md's micro experiment), so video tokens are
pooled to a 2x2 grid per time step. Audio keeps its frequency position: per mel band, the mean
and the spread of the tokens over time (statistics pooling, as speaker and sound embeddings do),
because which sound plays does not depend on when in the second it starts. Pooled to two fixed
time halves instead, a short sound fell in either half and every encoder read about 0.3 (`eval
probe`, 3 seeds: JEPA 0.333, pixel 0.370, untrained 0.344; with these features 0.632, 0.655,
0.505). The probe is a multinomial logistic regression on the standardised features, fitted
full-batch.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.models.jepa import Encoder
from glasses_agent.perception.preprocess import LogMel, video_tensor


def positional_features(encoder: Encoder, config: ModelConfig, video: np.ndarray, audio: np.ndarray,
                        batch: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """(video features, audio features) of each clip, from the fused encoder with both modalities in."""
    log_mel = LogMel(config)
    tv, hv, wv = config.video_grid
    ta, fa = config.audio_grid
    d = config.width
    video_out, audio_out = [], []
    encoder.eval()
    with torch.inference_mode():
        for i in range(0, len(video), batch):
            v = video_tensor(video[i:i + batch])
            a = log_mel(torch.from_numpy(audio[i:i + batch]))
            vt, at = encoder(v, a)
            grid = vt.reshape(-1, tv, hv, wv, d).permute(0, 1, 4, 2, 3).reshape(-1, d, hv, wv)
            pooled = F.adaptive_avg_pool2d(grid, 2).reshape(-1, tv, d, 4)
            video_out.append(pooled.flatten(1).numpy())
            bands = at.reshape(-1, ta, fa, d)  # (B, time, mel band, D)
            audio_out.append(torch.cat([bands.mean(1), bands.std(1)], dim=1).flatten(1).numpy())
    return np.concatenate(video_out), np.concatenate(audio_out)


def linear_probe_accuracy(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                          *, classes: int, weight_decay: float = 1e-3, iterations: int = 300, seed: int = 0) -> float:
    """Test accuracy of a logistic regression fitted on the training features (L-BFGS, L2)."""
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    x = torch.from_numpy((train_x - mean) / std).float()
    xt = torch.from_numpy((test_x - mean) / std).float()
    y = torch.from_numpy(train_y).long()
    gen = torch.Generator().manual_seed(seed)
    w = (torch.randn(x.shape[1], classes, generator=gen) * 0.01).requires_grad_(True)
    b = torch.zeros(classes, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=0.5, max_iter=iterations, history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(x @ w + b, y) + weight_decay * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return float(((xt @ w + b).argmax(1).numpy() == test_y).mean())
