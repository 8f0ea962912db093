"""The perception API the agent uses: load a checkpoint, encode ticks into Percepts.

    encoder = load_encoder()               # the shipped default; or a folder / .safetensors path
    percepts = encoder.encode(ticks)       # batched, inference mode, deterministic

`load_encoder(backend="auto")` runs the encoder as an exported ONNX Runtime graph when one exports
and matches torch (onnx_export.py: ~2x faster a tick), else torch eager; "torch" (the default for
training and probes) and "onnx" (required) choose outright.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from streams.frames import NS_PER_S, VideoFrame
from streams.sync import Tick

from glasses_agent.context import Percept
from glasses_agent.perception.checkpoint import load_module_state, read_checkpoint
from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.models.jepa import Encoder, count_parameters
from glasses_agent.perception.onnx_export import OnnxEncoder, OnnxUnavailable, load_onnx_encoder
from glasses_agent.perception.preprocess import LogMel, audio_window, clip_picks, resize_frame, video_clip, video_tensor

# The agent runs torch on one worker thread with one intra-op thread: measured (bench encode) at
# ~10 ms a tick on a loaded 2-core machine, where 2 threads spinning against other work took ~40 ms.
DEFAULT_THREADS = 1
BACKENDS = ("torch", "onnx", "auto")


class PerceptionEncoder:
    """A frozen encoder plus its preprocessing. Thread-safe for one caller at a time."""

    def __init__(self, model: Encoder, config: ModelConfig, source: str = "", onnx: OnnxEncoder | None = None) -> None:
        self.model = model.eval()
        self.config = config
        self.source = source
        self.log_mel = LogMel(config)
        self.onnx = onnx  # the exported graph, used for the modality sets it covers
        self.note = ""  # why the ONNX path is not used, when it was asked for and fell back
        for p in self.model.parameters():
            p.requires_grad_(False)

    @property
    def backend(self) -> str:
        return "onnx" if self.onnx is not None else "torch"

    @property
    def width(self) -> int:
        return self.config.width

    @property
    def video_grid(self) -> tuple[int, int, int]:
        return self.config.video_grid

    @property
    def audio_grid(self) -> tuple[int, int]:
        return self.config.audio_grid

    @property
    def parameters(self) -> int:
        return count_parameters(self.model)

    def encode(self, ticks: Sequence[Tick]) -> list[Percept]:
        """One Percept per tick, in order. Ticks with the same modalities present share a batch."""
        c = self.config
        videos = [video_clip(t.video, t.t_ns, c) for t in ticks]
        audios = [audio_window(t, c) for t in ticks]
        groups: dict[tuple[bool, bool], list[int]] = {}
        for i in range(len(ticks)):
            groups.setdefault((videos[i] is not None, audios[i] is not None), []).append(i)
        out: list[Percept | None] = [None] * len(ticks)
        with torch.inference_mode():
            for (has_video, has_audio), idx in groups.items():
                v = video_tensor(np.stack([videos[i] for i in idx])) if has_video else None
                a = self.log_mel(torch.from_numpy(np.stack([audios[i] for i in idx]))) if has_audio else None
                vt, at = self._forward(v, a) if (has_video or has_audio) else (None, None)
                for row, i in enumerate(idx):
                    out[i] = self._percept(ticks[i].t_ns, vt, at, row)
        return out  # type: ignore[return-value]

    def _forward(self, v: torch.Tensor | None, a: torch.Tensor | None
                 ) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        if self.onnx is not None and self.onnx.handles(v is not None, a is not None):
            return self.onnx(v, a)
        return self.model(v, a)

    def encode_tensors(self, video: torch.Tensor | None, mel: torch.Tensor | None
                       ) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """Model inputs already prepared (training, probes): (video tokens, audio tokens)."""
        with torch.inference_mode():
            return self.model(video, mel)

    def _percept(self, t_ns: int, vt: torch.Tensor | None, at: torch.Tensor | None, row: int) -> Percept:
        d = self.width
        tv, hv, wv = self.video_grid
        ta, fa = self.audio_grid
        zero = np.zeros(d, np.float32)
        video_tokens = vt[row].numpy().reshape(tv, hv, wv, d) if vt is not None else np.zeros((0, hv, wv, d), np.float32)
        audio_tokens = at[row].numpy().reshape(ta, fa, d) if at is not None else np.zeros((0, fa, d), np.float32)
        parts = [x[row] for x in (vt, at) if x is not None]
        scene = torch.cat(parts).mean(0).numpy() if parts else zero
        return Percept(
            t_ns=t_ns,
            scene=np.asarray(scene, np.float32),
            video=vt[row].mean(0).numpy() if vt is not None else zero.copy(),
            audio=at[row].mean(0).numpy() if at is not None else zero.copy(),
            video_tokens=video_tokens,
            audio_tokens=audio_tokens,
            has_video=vt is not None,
            has_audio=at is not None,
        )


def load_encoder(path: str | Path | None = None, *, threads: int | None = DEFAULT_THREADS, backend: str = "torch",
                 cache_dir: str | Path | None = None) -> PerceptionEncoder:
    """The encoder of a checkpoint (None: the shipped default). Raises CheckpointError (one line).

    `threads` fixes torch's intra-op thread count (process-wide), so timings and floats repeat;
    None leaves it alone. `backend`: "torch" (eager), "onnx" (an exported graph, cached in
    `cache_dir`; raises OnnxUnavailable when it cannot be had), "auto" (ONNX, else torch with
    the reason in `encoder.note`)."""
    if backend not in BACKENDS:
        raise OnnxUnavailable(f"perception backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if threads is not None:
        torch.set_num_threads(threads)
    config, tensors, _ = read_checkpoint(path)
    source = str(path) if path is not None else "default checkpoint"
    model = Encoder(config)
    load_module_state(model, tensors, "encoder", source)
    model.eval()
    onnx, note = None, ""
    if backend != "torch":
        try:
            onnx = load_onnx_encoder(model, config, tensors, threads=threads or torch.get_num_threads(),
                                     cache_dir=cache_dir)
        except OnnxUnavailable as err:
            if backend == "onnx":
                raise
            note = f"perception runs on torch eager: {err}"
    encoder = PerceptionEncoder(model, config, source, onnx=onnx)
    encoder.note = note
    return encoder


class FrameHistory:
    """The last moments of video, so each tick covers the model's whole clip at any camera rate.

    A tick carries only the newest few frames; at 30 fps those span a tenth of a second, while
    the model looks 0.3 s back. The stage keeps frames long enough and hands them to the encoder."""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.span_ns = int(round(config.frames / config.frame_rate * NS_PER_S))
        self.frames: dict[tuple[str, int, int], VideoFrame] = {}
        self.small: dict[tuple[str, int, int], VideoFrame] = {}  # frames already at the model's size

    def extend(self, tick: Tick) -> Tick:
        for f in tick.video:
            self.frames[(f.source, f.seq, f.t_ns)] = f
        horizon = tick.t_ns - self.span_ns
        newest_old = max((k for k in self.frames if k[2] <= horizon), key=lambda k: k[2], default=None)
        # Keep one frame at or before the horizon: it is what the clip's oldest instant shows.
        self.frames = {k: f for k, f in self.frames.items() if k[2] > horizon or k == newest_old}
        video = tuple(sorted((f for f in self.frames.values() if f.t_ns <= tick.t_ns), key=lambda f: (f.t_ns, f.seq)))
        self.small = {k: f for k, f in self.small.items() if k in self.frames}
        return replace(tick, video=self._shrink_picks(video, tick.t_ns))

    def _shrink_picks(self, video: tuple[VideoFrame, ...], t_ns: int) -> tuple[VideoFrame, ...]:
        """The frames the clip takes, already at the model's size: each frame is resized once
        instead of once for every tick whose clip holds it (a 848x480 area resize costs ~0.9 ms,
        and at 10 Hz a clip of 4 instants holds each frame 4 times). The frames are chosen by
        `clip_picks`, as `video_clip` chooses them, and `video_clip` leaves frames of its size as
        they are, so its pixels are unchanged; a frame it picks that is not shrunk here is simply
        resized there."""
        c = self.config
        usable, picks = clip_picks(video, t_ns, c)  # decodes only the frames it picks
        if not usable:
            return video
        wanted = {(usable[i].source, usable[i].seq, usable[i].t_ns) for i in set(picks.tolist())}
        out = []
        for f in video:
            key = (f.source, f.seq, f.t_ns)
            if key in wanted and f.image.ndim == 3 and f.image.shape[2] == 3:
                if key not in self.small:
                    self.small[key] = replace(f, image=resize_frame(f.image, c.image_size), jpeg=None)
                f = self.small[key]
            out.append(f)
        return tuple(out)
