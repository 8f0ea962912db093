"""Training objectives over one batch and one mask, and the collapse figures.

- "ema":    JEPA with an EMA target encoder (V-JEPA): L1 between predicted and layer-normed
            target latents; the target encoder trails the online one.
- "sigreg": JEPA whose targets come from the online encoder itself (no gradient through them)
            and whose embeddings are pulled towards an isotropic Gaussian by SIGReg (LeJEPA's
            sketched Epps-Pulley test on random 1-D projections); one knob, lambda.
- "pixel":  the MAE-style baseline: the same encoder and predictor body, predicting the masked
            patches' normalised pixels and mel values instead of latents.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.masks import Mask
from glasses_agent.perception.models.jepa import Encoder, Predictor

OBJECTIVES = ("ema", "sigreg", "pixel")


def _index(mask: Mask, device: torch.device) -> dict[str, torch.Tensor]:
    to = lambda a: torch.as_tensor(a, dtype=torch.long, device=device)  # noqa: E731
    return {k: to(getattr(mask, k)) for k in ("context_video", "context_audio", "target_video", "target_audio")}


def encode_context(encoder: Encoder, video: torch.Tensor, mel: torch.Tensor, mask: Mask, config: ModelConfig
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(context tokens, their global indices, target global indices) for the predictor."""
    ix = _index(mask, video.device)
    use_video, use_audio = len(mask.context_video) > 0, len(mask.context_audio) > 0
    cv, ca = encoder(video if use_video else None, mel if use_audio else None,
                     ix["context_video"] if use_video else None, ix["context_audio"] if use_audio else None)
    context = torch.cat([x for x in (cv, ca) if x is not None], dim=1)
    context_index = torch.cat([ix["context_video"], ix["context_audio"] + config.video_tokens])
    target_index = torch.cat([ix["target_video"], ix["target_audio"] + config.video_tokens])
    return context, context_index, target_index


def jepa_loss(encoder: Encoder, predictor: Predictor, target_encoder: Encoder, video: torch.Tensor,
              mel: torch.Tensor, mask: Mask, config: ModelConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """L1 between predictions and layer-normed targets; also returns the context tokens."""
    ix = _index(mask, video.device)
    context, context_index, target_index = encode_context(encoder, video, mel, mask, config)
    pred_v, pred_a = predictor(context, context_index, target_index)
    with torch.no_grad():
        tv, ta = target_encoder(video, mel)
        tv = F.layer_norm(tv, tv.shape[-1:]).index_select(1, ix["target_video"])
        ta = F.layer_norm(ta, ta.shape[-1:]).index_select(1, ix["target_audio"])
    pred = torch.cat([pred_v, pred_a], dim=1)
    target = torch.cat([tv, ta], dim=1)
    return F.l1_loss(pred, target), context


def sigreg(z: torch.Tensor, generator: torch.Generator, directions: int = 256, knots: int = 17) -> torch.Tensor:
    """SIGReg: how far z's 1-D projections are from N(0, 1), by the Epps-Pulley statistic.

    z (N, D). Random unit directions (fresh each step, from `generator`); for each projection the
    empirical characteristic function is compared with exp(-t^2/2) at knots t in [-5, 5], weighted
    by the Gaussian window, integrated by the trapezoid rule, and averaged over directions."""
    d = z.shape[1]
    a = torch.randn(d, directions, generator=generator).to(z.device)
    a = a / a.norm(dim=0, keepdim=True)
    x = z @ a  # (N, M)
    t = torch.linspace(-5.0, 5.0, knots, device=z.device)
    xt = x.unsqueeze(-1) * t  # (N, M, K)
    ecf_re, ecf_im = torch.cos(xt).mean(0), torch.sin(xt).mean(0)  # (M, K)
    target = torch.exp(-0.5 * t * t)
    err = (ecf_re - target) ** 2 + ecf_im ** 2
    weighted = err * target  # the window exp(-t^2/2) again as weight
    # LeJEPA scales by N (a test statistic); the mean keeps lambda independent of the batch size.
    return torch.trapezoid(weighted, t, dim=-1).mean()


def video_patches(video: torch.Tensor, config: ModelConfig) -> torch.Tensor:
    """(B, 3, T, S, S) -> (B, Nv, 3*tf*p*p) in the encoder's token order."""
    b = video.shape[0]
    tf, p = config.tubelet_frames, config.patch_size
    t, h, w = config.video_grid
    x = video.reshape(b, 3, t, tf, h, p, w, p).permute(0, 2, 4, 6, 1, 3, 5, 7)
    return x.reshape(b, t * h * w, 3 * tf * p * p)


def audio_patches(mel: torch.Tensor, config: ModelConfig) -> torch.Tensor:
    """(B, n_mels, frames) -> (B, Na, mel_patch*time_patch) in the encoder's (time, mel) order."""
    b = mel.shape[0]
    ta, fa = config.audio_grid
    x = mel.reshape(b, fa, config.mel_patch, ta, config.time_patch).permute(0, 3, 1, 2, 4)
    return x.reshape(b, ta * fa, config.mel_patch * config.time_patch)


def _normed(x: torch.Tensor) -> torch.Tensor:
    # MAE's normalised-pixel target: each patch against its own mean and spread.
    return (x - x.mean(-1, keepdim=True)) / (x.var(-1, keepdim=True) + 1e-6).sqrt()


def pixel_loss(encoder: Encoder, predictor: Predictor, video: torch.Tensor, mel: torch.Tensor, mask: Mask,
               config: ModelConfig) -> tuple[torch.Tensor, torch.Tensor]:
    ix = _index(mask, video.device)
    context, context_index, target_index = encode_context(encoder, video, mel, mask, config)
    pred_v, pred_a = predictor(context, context_index, target_index)
    tv = _normed(video_patches(video, config)).index_select(1, ix["target_video"])
    ta = _normed(audio_patches(mel, config)).index_select(1, ix["target_audio"])
    losses = [F.mse_loss(p, t, reduction="sum") for p, t in ((pred_v, tv), (pred_a, ta)) if t.shape[1]]
    count = sum(t.numel() for t in (tv, ta))
    return sum(losses) / count, context


@torch.no_grad()
def ema_update(target: Encoder, online: Encoder, momentum: float) -> None:
    for pt, po in zip(target.parameters(), online.parameters()):
        pt.mul_(momentum).add_(po.detach(), alpha=1.0 - momentum)


def collapse_figures(embeddings: torch.Tensor) -> dict[str, float]:
    """Per-dimension std (min, mean) and effective rank (RankMe: exp entropy of singular values)."""
    z = embeddings.float()
    std = z.std(0)
    s = torch.linalg.svdvals(z - z.mean(0))
    p = s / s.sum().clamp_min(1e-12)
    rank = float(torch.exp(-(p * torch.log(p.clamp_min(1e-12))).sum()))
    return {"std_min": float(std.min()), "std_mean": float(std.mean()), "effective_rank": rank}
