"""Masks: which tokens the encoder sees (context) and which the predictor must predict (target).

One mask is drawn per batch, so every clip of the batch has the same token counts (plain dense
tensors, no padding). The strategies, after V-JEPA and MJEPA:
- "blocks": several spatial blocks of the video grid, each spanning all time steps (so a block
  cannot be copied from a neighbouring frame), plus time-frequency blocks of the spectrogram;
- "future": the last time step of the video and the last part of the audio, from the past;
- "drop_video" / "drop_audio": one modality is absent from the context entirely, and blocks of
  it are predicted from the other modality alone (cross-modal prediction).
Context and target never overlap: the context is what is left of a modality after its target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STRATEGIES = ("blocks", "future", "drop_video", "drop_audio")
DEFAULT_WEIGHTS = (0.5, 0.25, 0.125, 0.125)


@dataclass(frozen=True)
class Mask:
    """Token indices per modality, each sorted. An empty context means the modality is dropped."""

    strategy: str
    context_video: np.ndarray
    context_audio: np.ndarray
    target_video: np.ndarray
    target_audio: np.ndarray


def _spatial_blocks(rng: np.random.Generator, grid: tuple[int, int, int], blocks: int,
                    scale: tuple[float, float]) -> np.ndarray:
    """Union of `blocks` rectangles on the (H, W) plane, repeated over all T: a (T, H, W) bool."""
    t, h, w = grid
    chosen = np.zeros((h, w), bool)
    for _ in range(blocks):
        area = rng.uniform(*scale) * h * w
        aspect = np.exp(rng.uniform(np.log(0.5), np.log(2.0)))
        bh = int(np.clip(round(np.sqrt(area * aspect)), 1, h))
        bw = int(np.clip(round(np.sqrt(area / aspect)), 1, w))
        top, left = rng.integers(0, h - bh + 1), rng.integers(0, w - bw + 1)
        chosen[top:top + bh, left:left + bw] = True
    if chosen.all():  # keep some context: un-mask one random cell
        chosen[rng.integers(h), rng.integers(w)] = False
    return np.broadcast_to(chosen, (t, h, w))


def _time_freq_blocks(rng: np.random.Generator, grid: tuple[int, int], blocks: int) -> np.ndarray:
    """Union of rectangles on the (time, mel) grid: a (T, F) bool."""
    t, f = grid
    chosen = np.zeros((t, f), bool)
    for _ in range(blocks):
        bt = int(rng.integers(max(1, t // 4), max(2, t // 2) + 1))
        bf = int(rng.integers(1, f + 1))
        start_t, start_f = rng.integers(0, t - bt + 1), rng.integers(0, f - bf + 1)
        chosen[start_t:start_t + bt, start_f:start_f + bf] = True
    if chosen.all():
        chosen[rng.integers(t), rng.integers(f)] = False
    return chosen


def sample_mask(
    rng: np.random.Generator,
    video_grid: tuple[int, int, int],
    audio_grid: tuple[int, int],
    *,
    strategy: str | None = None,
    weights: tuple[float, ...] = DEFAULT_WEIGHTS,
) -> Mask:
    """Draw one mask. `strategy` None picks one of STRATEGIES by `weights`."""
    if strategy is None:
        strategy = STRATEGIES[int(rng.choice(len(STRATEGIES), p=np.asarray(weights) / np.sum(weights)))]
    tv, hv, wv = video_grid
    ta, fa = audio_grid
    if strategy == "blocks":
        video_target = _spatial_blocks(rng, video_grid, int(rng.integers(2, 5)), (0.1, 0.3))
        audio_target = _time_freq_blocks(rng, audio_grid, int(rng.integers(1, 3)))
        video_context, audio_context = ~video_target, ~audio_target
    elif strategy == "future":
        # The later half of the video's time steps (none with a single step: there is no past),
        # and the last quarter to half of the audio, always leaving some past as context.
        video_target = np.zeros(video_grid, bool)
        if tv > 1:
            video_target[tv - max(1, tv // 2):] = True
        cut = min(ta - 1, int(rng.integers(max(1, ta // 4), max(1, ta // 2) + 1)))
        audio_target = np.zeros(audio_grid, bool)
        if cut > 0:
            audio_target[ta - cut:] = True
        video_context, audio_context = ~video_target, ~audio_target
    elif strategy == "drop_video":
        video_target = _spatial_blocks(rng, video_grid, int(rng.integers(2, 5)), (0.1, 0.3))
        audio_target = np.zeros(audio_grid, bool)
        video_context, audio_context = np.zeros(video_grid, bool), np.ones(audio_grid, bool)
    elif strategy == "drop_audio":
        video_target = np.zeros(video_grid, bool)
        audio_target = _time_freq_blocks(rng, audio_grid, int(rng.integers(1, 3)))
        video_context, audio_context = np.ones(video_grid, bool), np.zeros(audio_grid, bool)
    else:
        raise ValueError(f"unknown mask strategy {strategy!r}; expected one of {STRATEGIES}")
    return Mask(
        strategy=strategy,
        context_video=np.flatnonzero(video_context.ravel()),
        context_audio=np.flatnonzero(audio_context.ravel()),
        target_video=np.flatnonzero(video_target.ravel()),
        target_audio=np.flatnonzero(audio_target.ravel()),
    )
