"""The perception encoder as an ONNX Runtime graph: same outputs as torch eager, about twice as fast.

    runner = load_onnx_encoder(model, config, tensors, threads=1)   # raises OnnxUnavailable
    video_tokens, audio_tokens = runner(video, mel)                 # torch tensors in and out

Measured (`glasses-agent bench encode`, one thread, interleaved): a whole tick (frame history,
resize, log-mel, encoder) takes 5.0 ms p50 in torch eager and 3.5 ms with the graph; the encoder
alone ~5 ms and ~2.3 ms. Tokens agree to float32 rounding (TOLERANCE below). The graph is exported
once per checkpoint and cached under a key made of the checkpoint's tensors, its config, and the
torch and opset versions, so a changed checkpoint never meets a stale graph. Before use every
graph is checked against torch on a fixed input; a graph that disagrees (or an ONNX toolchain
that is missing or fails) raises OnnxUnavailable and the caller stays on torch eager.

One graph per set of modalities present (video + audio, video alone): ticks of other kinds, and
masked encodes (training, probes), stay on torch.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from glasses_agent import cache
from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.errors import PerceptionError

OPSET = 17
# How far a graph's tokens may stray from torch eager's, relative to their scale:
# max|onnx - torch| <= TOLERANCE * max(1, max|torch|). Both run in float32 and sum in another order;
# measured on the shipped checkpoint (bench encode, 200 ticks of a generated scene): median 1e-6,
# worst 4.1e-5 (1.6e-4 absolute on tokens up to 3.9). On that worst tick torch eager itself is
# 4.1e-5 from a float64 run of the same model and the graph 8e-6: the rounding of float32, not
# the export. The check input (random) differs by 2.5e-6 to 4.7e-6; a wrong graph is off by ~1.
TOLERANCE = 1e-4
VARIANTS = {"video+audio": (True, True), "video": (True, False)}


class OnnxUnavailable(PerceptionError):
    """The ONNX path cannot be used here (toolchain missing, export failed, outputs disagree)."""


def default_cache_dir() -> Path:
    return cache.cache_dir("perception-onnx")


def checkpoint_key(config: ModelConfig, tensors: dict[str, torch.Tensor]) -> str:
    """A hash of what the graph is built from: encoder tensors, shapes config, exporter versions."""
    return graph_cache_key(config.to_dict(), {name: v for name, v in tensors.items() if name.startswith("encoder.")})


def graph_cache_key(config: dict, tensors: dict[str, torch.Tensor]) -> str:
    """A hash of what an exported graph is built from (its model's config and tensors, the exporter's
    versions): the name a cached graph is kept under, new whenever any of them changes."""
    h = hashlib.sha256()
    h.update(json.dumps(config, sort_keys=True).encode())
    h.update(f"torch {torch.__version__} opset {OPSET}".encode())
    for name in sorted(tensors):
        value = tensors[name].detach().to("cpu").contiguous()
        h.update(name.encode())
        h.update(str(tuple(value.shape)).encode())
        h.update(value.numpy().tobytes())
    return h.hexdigest()[:24]


class _Fixed(torch.nn.Module):
    """The encoder with its modalities fixed, so the traced graph has plain tensor inputs."""

    def __init__(self, encoder: torch.nn.Module, has_video: bool, has_audio: bool) -> None:
        super().__init__()
        self.encoder = encoder
        self.has_video = has_video
        self.has_audio = has_audio

    def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        it = iter(inputs)
        video = next(it) if self.has_video else None
        mel = next(it) if self.has_audio else None
        vt, at = self.encoder(video, mel)
        return tuple(x for x in (vt, at) if x is not None)


def _names(has_video: bool, has_audio: bool) -> tuple[list[str], list[str]]:
    inputs = (["video"] if has_video else []) + (["mel"] if has_audio else [])
    outputs = (["video_tokens"] if has_video else []) + (["audio_tokens"] if has_audio else [])
    return inputs, outputs


def _example(config: ModelConfig, has_video: bool, has_audio: bool, batch: int, seed: int = 0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    c = config
    out = []
    if has_video:
        out.append(torch.randn(batch, 3, c.frames, c.image_size, c.image_size, generator=g))
    if has_audio:
        out.append(torch.randn(batch, c.n_mels, c.audio_frames, generator=g))
    return out


def export_graph(model: torch.nn.Module, config: ModelConfig, has_video: bool, has_audio: bool) -> bytes:
    """The ONNX bytes of the encoder for these modalities, batch axis dynamic."""
    inputs, outputs = _names(has_video, has_audio)
    buf = io.BytesIO()
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice is not the user's concern
        torch.onnx.export(
            _Fixed(model, has_video, has_audio).eval(), tuple(_example(config, has_video, has_audio, 2)), buf,
            dynamo=False, opset_version=OPSET, input_names=inputs, output_names=outputs,
            dynamic_axes={name: {0: "batch"} for name in inputs + outputs},
        )
    return buf.getvalue()


class OnnxEncoder:
    """ONNX Runtime sessions for the encoder, one per modality set; called like `Encoder(video, mel)`."""

    def __init__(self, sessions: dict[tuple[bool, bool], object], paths: dict[tuple[bool, bool], Path]) -> None:
        self.sessions = sessions
        self.paths = paths

    def handles(self, has_video: bool, has_audio: bool) -> bool:
        return (has_video, has_audio) in self.sessions

    def __call__(self, video: torch.Tensor | None, mel: torch.Tensor | None
                 ) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        has_video, has_audio = video is not None, mel is not None
        session = self.sessions[(has_video, has_audio)]
        feeds = {}
        if has_video:
            feeds["video"] = np.ascontiguousarray(video.numpy(), np.float32)
        if has_audio:
            feeds["mel"] = np.ascontiguousarray(mel.numpy(), np.float32)
        results = iter(session.run(None, feeds))
        vt = torch.from_numpy(next(results)) if has_video else None
        at = torch.from_numpy(next(results)) if has_audio else None
        return vt, at


def ort_session(data: bytes, threads: int):  # noqa: ANN201
    """An ONNX Runtime CPU session of a graph, as the agent's stages run one: one sequential thread."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    # One intra-op thread like torch's (the agent's other stages run beside it); no spinning pool.
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def store_graph(path: Path, data: bytes) -> None:
    """Write a graph to the cache whole or not at all."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(data)
        tmp.replace(path)  # never a torn graph in the cache, even with two agents starting at once
    except OSError:
        pass  # a read-only cache only costs the export next time


def cached_session(path: Path, export: Callable[[], bytes], threads: int):  # noqa: ANN201
    """A session of the graph cached at `path`, or of a fresh `export()` stored there first (a damaged
    cached graph is exported again). Export and runtime errors are the caller's to report."""
    if path.exists():
        try:
            return ort_session(path.read_bytes(), threads)
        except Exception:  # noqa: BLE001 - a damaged cached graph is exported again
            pass
    data = export()
    store_graph(path, data)
    return ort_session(data, threads)


def relative_difference(expected: torch.Tensor | np.ndarray, got: torch.Tensor | np.ndarray) -> float:
    """max |got - expected| over the scale of `expected` (its largest magnitude, at least 1)."""
    expected, got = np.asarray(expected, np.float64), np.asarray(got, np.float64)
    if expected.size == 0:
        return 0.0
    return float(np.abs(got - expected).max() / max(1.0, float(np.abs(expected).max())))


def max_difference(model: torch.nn.Module, runner: OnnxEncoder, config: ModelConfig,
                   has_video: bool, has_audio: bool, batch: int = 2) -> float:
    """Largest relative_difference between torch eager and the graph on a fixed input."""
    example = _example(config, has_video, has_audio, batch, seed=1)
    video = example[0] if has_video else None
    mel = example[-1] if has_audio else None
    with torch.inference_mode():
        expected = [x for x in model(video, mel) if x is not None]
    got = [x for x in runner(video, mel) if x is not None]
    return max(relative_difference(a, b) for a, b in zip(expected, got))


def load_onnx_encoder(model: torch.nn.Module, config: ModelConfig, tensors: dict[str, torch.Tensor], *,
                      threads: int = 1, cache_dir: str | Path | None = None) -> OnnxEncoder:
    """Cached (or freshly exported) graphs for `model`, checked against it. Raises OnnxUnavailable."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError as err:
        raise OnnxUnavailable(f"onnxruntime is not installed ({err})") from None
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = checkpoint_key(config, tensors)
    sessions: dict[tuple[bool, bool], object] = {}
    paths: dict[tuple[bool, bool], Path] = {}
    for variant, (has_video, has_audio) in VARIANTS.items():
        path = folder / f"encoder-{key}-{variant.replace('+', '-')}.onnx"
        try:
            sessions[(has_video, has_audio)] = cached_session(
                path, lambda: export_graph(model, config, has_video, has_audio), threads)
        except Exception as err:  # noqa: BLE001 - any exporter or runtime failure means: stay on torch
            raise OnnxUnavailable(f"ONNX graph ({variant}) not usable: {type(err).__name__}: "
                                  f"{str(err).splitlines()[0] if str(err) else ''}") from None
        paths[(has_video, has_audio)] = path
    runner = OnnxEncoder(sessions, paths)
    for has_video, has_audio in sessions:
        diff = max_difference(model, runner, config, has_video, has_audio)
        if not diff <= TOLERANCE:
            raise OnnxUnavailable(f"ONNX graph differs from torch by {diff:.2e} (> {TOLERANCE:g})")
    return runner


__all__ = ["OnnxEncoder", "OnnxUnavailable", "TOLERANCE", "checkpoint_key", "default_cache_dir",
           "export_graph", "graph_cache_key", "load_onnx_encoder", "max_difference", "ort_session", "relative_difference", "store_graph"]
