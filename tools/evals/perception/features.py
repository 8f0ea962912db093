"""Feature sources the task evaluations compare: a perception encoder (trained or untrained) and raw input.

Boxes are (x0, y0, x1, y1) as fractions of the frame. The encoder sees the whole frame squashed
to its square input, as the agent encodes a tick (inference.py), so a box keeps its fractional
coordinates on the token grid; its feature is the encoder's video tokens of the clip's last
time step, each cell layer-normed as the agent's recognition reads them, pooled over the cells
the box covers, weighted by the overlap. Sounds are encoded
alone (no video) and their feature is the mean of the audio tokens, the Percept's `audio`.
The `crop` readout instead cuts the box (a little widened) from each frame and encodes it as the
whole view, so the object covers the token grid rather than one or two of its 36 cells.
"""

from __future__ import annotations

import numpy as np
import torch

from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.models.jepa import Encoder
from glasses_agent.perception.preprocess import LogMel, resize_frame, video_tensor

PIXEL_SIDE = 8  # raw-pixel features: the box's last frame at 8x8 RGB (192 numbers)
BATCH = 64
READOUTS = ("frame", "crop")  # tokens of the whole view pooled in the box, or the box encoded as the view
CROP_CONTEXT = 1.25  # the crop readout's box, widened so the object's edge is in view


def cell_weights(box: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """(rows, cols) overlap of the box with each grid cell, summing to 1 (the nearest cell if none)."""
    x0, y0, x1, y1 = np.clip(np.asarray(box, float), 0.0, 1.0)
    ys, xs = np.arange(rows + 1) / rows, np.arange(cols + 1) / cols
    oy = np.clip(np.minimum(ys[1:], y1) - np.maximum(ys[:-1], y0), 0, None)
    ox = np.clip(np.minimum(xs[1:], x1) - np.maximum(xs[:-1], x0), 0, None)
    w = np.outer(oy, ox)
    if w.sum() <= 0:
        w = np.zeros((rows, cols))
        w[min(rows - 1, int((y0 + y1) / 2 * rows)), min(cols - 1, int((x0 + x1) / 2 * cols))] = 1.0
    return w / w.sum()


class EncoderFeatures:
    """Box and sound features from one perception encoder."""

    def __init__(self, name: str, model: Encoder, config: ModelConfig, readout: str = "frame") -> None:
        if readout not in READOUTS:
            raise ValueError(f"readout must be one of {READOUTS}, got {readout!r}")
        self.name, self.model, self.config, self.readout = name, model.eval(), config, readout
        self.log_mel = LogMel(config)

    def boxes(self, clips: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """clips (N, T, H, W, 3) uint8 at the model's frame rate; boxes (N, 4) -> (N, width)."""
        if self.readout == "crop":
            return self._crops(clips, boxes)
        c = self.config
        tv, hv, wv = c.video_grid
        out = []
        for i in range(0, len(clips), BATCH):
            chunk = np.stack([[resize_frame(f, c.image_size) for f in clip] for clip in clips[i:i + BATCH]])
            with torch.inference_mode():
                vt, _ = self.model(video_tensor(chunk), None)
            grid = vt.numpy().reshape(len(chunk), tv, hv, wv, -1)[:, -1]
            # Each cell layer-normed, as the agent's recognition reads the grid (recognition.latent_grid).
            grid = (grid - grid.mean(-1, keepdims=True)) / (grid.std(-1, keepdims=True) + 1e-5)
            for k in range(len(chunk)):
                w = cell_weights(boxes[i + k], hv, wv)
                out.append(np.tensordot(w, grid[k], axes=([0, 1], [0, 1])))
        return np.asarray(out, np.float32)

    def _crops(self, clips: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """The box (widened by CROP_CONTEXT) cut from every frame and encoded as the whole view:
        the last time step's tokens, each layer-normed, averaged."""
        c = self.config
        tv, hv, wv = c.video_grid
        crops = []
        for clip, box in zip(clips, boxes):
            h, w = clip.shape[1:3]
            cx, cy = (box[0] + box[2]) / 2 * w, (box[1] + box[3]) / 2 * h
            half_w, half_h = (box[2] - box[0]) * w * CROP_CONTEXT / 2, (box[3] - box[1]) * h * CROP_CONTEXT / 2
            x0, x1 = int(max(0, cx - half_w)), int(min(w, max(cx - half_w + 1, cx + half_w)))
            y0, y1 = int(max(0, cy - half_h)), int(min(h, max(cy - half_h + 1, cy + half_h)))
            crops.append([resize_frame(np.ascontiguousarray(f[y0:y1, x0:x1]), c.image_size) for f in clip])
        crops_arr = np.asarray(crops, np.uint8)
        out = []
        for i in range(0, len(crops_arr), BATCH):
            with torch.inference_mode():
                vt, _ = self.model(video_tensor(crops_arr[i:i + BATCH]), None)
            grid = vt.numpy().reshape(len(vt), tv, hv * wv, -1)[:, -1]
            grid = (grid - grid.mean(-1, keepdims=True)) / (grid.std(-1, keepdims=True) + 1e-5)
            out.append(grid.mean(1))
        return np.concatenate(out).astype(np.float32)

    def sounds(self, waves: np.ndarray) -> np.ndarray:
        """waves (N, sample_rate) float in [-1, 1] -> (N, width): audio tokens' mean, audio alone."""
        out = []
        for i in range(0, len(waves), BATCH):
            with torch.inference_mode():
                mel = self.log_mel(torch.from_numpy(np.ascontiguousarray(waves[i:i + BATCH], np.float32)))
                _, at = self.model(None, mel)
            out.append(at.mean(1).numpy())
        return np.concatenate(out).astype(np.float32)


class RawFeatures:
    """The baseline without a model: the box's pixels (downsampled), the sound's mean log-mel spectrum."""

    name = "raw"

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.log_mel = LogMel(config)

    def boxes(self, clips: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """The last frame's box at PIXEL_SIDE x PIXEL_SIDE RGB, as floats in [0, 1]."""
        out = []
        for clip, box in zip(clips, boxes):
            frame = clip[-1]
            h, w = frame.shape[:2]
            x0, y0, x1, y1 = np.clip(np.asarray(box, float), 0, 1) * [w, h, w, h]
            x0, y0 = int(x0), int(y0)
            crop = frame[y0:max(y0 + 1, int(np.ceil(y1))), x0:max(x0 + 1, int(np.ceil(x1)))]
            out.append(resize_frame(crop, PIXEL_SIDE).reshape(-1) / 255.0)
        return np.asarray(out, np.float32)

    def sounds(self, waves: np.ndarray) -> np.ndarray:
        """The log-mel spectrum averaged over the second (n_mels numbers)."""
        with torch.inference_mode():
            mel = self.log_mel(torch.from_numpy(np.ascontiguousarray(waves, np.float32)))
        return mel.mean(-1).numpy().astype(np.float32)


def untrained_encoder(config: ModelConfig, seed: int) -> Encoder:
    """The encoder of the same shape at its seeded initialisation."""
    torch.manual_seed(seed)
    return Encoder(config).eval()


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of a with every row of b."""
    a = a / (np.linalg.norm(a, axis=1, keepdims=True) + 1e-8)
    b = b / (np.linalg.norm(b, axis=1, keepdims=True) + 1e-8)
    return a @ b.T


def average_precision(scores: np.ndarray, positive: np.ndarray) -> float:
    """Average precision of a ranking by descending score (ties: positives last, so ties never help)."""
    order = np.lexsort((positive.astype(int), -scores))
    hits = positive[order].astype(float)
    if hits.sum() == 0:
        raise ValueError("average precision needs at least one positive")
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision * hits).sum() / hits.sum())
