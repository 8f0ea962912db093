"""The multimodal JEPA: tubelet and log-mel patch embeddings, one shared fusion transformer, and a
narrow predictor with mask tokens. Plain PyTorch, read top to bottom.

Tokens: video (B, 3, T, S, S) -> tubelets of tubelet_frames x patch x patch -> (B, Nv, D);
audio log-mel (B, n_mels, frames) -> patches of mel_patch x time_patch -> (B, Na, D). Every token
gets a learned position embedding and its modality's embedding, then the fusion encoder attends
over whatever tokens are kept (the context), both modalities at once. Token order is fixed:
video (t, row, col) row-major, then audio (t, mel) row-major; index i < Nv is video, else audio.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from glasses_agent.perception.config import ModelConfig


class Attention(nn.Module):
    """Multi-head self-attention (PyTorch's scaled dot-product attention)."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v)
        return self.proj(y.transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    """A pre-norm transformer block: attention then MLP, each residual."""

    def __init__(self, width: int, heads: int, mlp_ratio: float) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.attn = Attention(width, heads)
        self.ln2 = nn.LayerNorm(width)
        hidden = int(width * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


def gather_tokens(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """x (B, N, D), index (K,) shared by the batch -> (B, K, D)."""
    return x.index_select(1, index)


class Encoder(nn.Module):
    """Video + audio -> fused tokens. Either modality may be None (absent or dropped)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        c = config
        self.config = c
        self.video_embed = nn.Conv3d(3, c.width, (c.tubelet_frames, c.patch_size, c.patch_size),
                                     stride=(c.tubelet_frames, c.patch_size, c.patch_size))
        self.audio_embed = nn.Conv2d(1, c.width, (c.mel_patch, c.time_patch), stride=(c.mel_patch, c.time_patch))
        self.video_pos = nn.Parameter(torch.randn(1, c.video_tokens, c.width) * 0.02)
        self.audio_pos = nn.Parameter(torch.randn(1, c.audio_tokens, c.width) * 0.02)
        self.modality = nn.Parameter(torch.randn(2, c.width) * 0.02)
        self.blocks = nn.ModuleList([Block(c.width, c.heads, c.mlp_ratio) for _ in range(c.depth)])
        self.ln = nn.LayerNorm(c.width)

    def embed_video(self, video: torch.Tensor) -> torch.Tensor:
        x = self.video_embed(video)  # (B, D, T', H', W')
        return x.flatten(2).transpose(1, 2) + self.video_pos + self.modality[0]

    def embed_audio(self, mel: torch.Tensor) -> torch.Tensor:
        x = self.audio_embed(mel.unsqueeze(1))  # (B, D, F', T')
        # Order tokens (time, mel) like the video's (time, row, col): time is the outer axis.
        x = x.permute(0, 3, 2, 1).flatten(1, 2)
        return x + self.audio_pos + self.modality[1]

    def forward(
        self,
        video: torch.Tensor | None,
        audio: torch.Tensor | None,
        keep_video: torch.Tensor | None = None,
        keep_audio: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """Encode the kept tokens (all when keep_* is None); returns (video tokens, audio tokens)."""
        parts = []
        if video is not None:
            v = self.embed_video(video)
            parts.append(v if keep_video is None else gather_tokens(v, keep_video))
        if audio is not None:
            a = self.embed_audio(audio)
            parts.append(a if keep_audio is None else gather_tokens(a, keep_audio))
        x = torch.cat(parts, dim=1)
        for block in self.blocks:
            x = block(x)
        x = self.ln(x)
        nv = parts[0].shape[1] if video is not None else 0
        return (x[:, :nv] if video is not None else None, x[:, nv:] if audio is not None else None)


class Predictor(nn.Module):
    """Narrow transformer: context tokens plus one mask token per target position -> predictions.

    `out_video` / `out_audio` are the output widths: the encoder width for the JEPA (latents), the
    patch's pixel / mel count for the pixel-reconstruction baseline (same body, another head).
    """

    def __init__(self, config: ModelConfig, out_video: int, out_audio: int) -> None:
        super().__init__()
        c = config
        self.config = c
        p = c.predictor_width
        self.inp = nn.Linear(c.width, p)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, p))
        self.pos = nn.Parameter(torch.randn(1, c.video_tokens + c.audio_tokens, p) * 0.02)
        self.modality = nn.Parameter(torch.randn(2, p) * 0.02)
        self.blocks = nn.ModuleList([Block(p, c.predictor_heads, c.mlp_ratio) for _ in range(c.predictor_depth)])
        self.ln = nn.LayerNorm(p)
        self.out_video = nn.Linear(p, out_video)
        self.out_audio = nn.Linear(p, out_audio)

    def _positions(self, index: torch.Tensor) -> torch.Tensor:
        nv = self.config.video_tokens
        modality = self.modality[(index >= nv).long()]
        return self.pos[0, index] + modality  # (K, p)

    def forward(self, context: torch.Tensor, context_index: torch.Tensor, target_index: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """context (B, Kc, D) at global token indices context_index (Kc,); targets (Kt,) in the same
        index space. Returns predictions for the target's video and audio tokens, in target order."""
        b = context.shape[0]
        x = self.inp(context) + self._positions(context_index)
        m = self.mask_token.expand(b, len(target_index), -1) + self._positions(target_index)
        x = torch.cat([x, m], dim=1)
        for block in self.blocks:
            x = block(x)
        y = self.ln(x[:, context.shape[1]:])
        is_video = target_index < self.config.video_tokens
        return self.out_video(y[:, is_video]), self.out_audio(y[:, ~is_video])


def count_parameters(module: nn.Module) -> int:
    """How many parameters `module` has."""
    return sum(p.numel() for p in module.parameters())
