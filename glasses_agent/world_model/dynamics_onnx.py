"""The latent dynamics' one-step prediction as an ONNX Runtime graph: the agent's call each tick.

    graph = load_onnx_dynamics(model)      # raises DynamicsOnnxUnavailable
    grid = graph(state, action)            # numpy (1, C, H, W, D), (1, 2) -> torch (1, H, W, D); batch 1

The model is small (two 3x3 convolution blocks over a 6x6 grid, ~13 MFLOP a call), so in torch
eager its per-operator dispatch is most of the time: measured on one thread, 0.72-0.78 ms a call
in torch against 0.31-0.39 ms in ONNX Runtime. The agent predicts once a tick on its own thread
beside perception; on a 2-core machine every thread's CPU is the tick's.

Made, cached and checked as perception's encoder graph is (perception/onnx_export.py): exported
once per checkpoint and cached under a key of its tensors, its config and the torch and opset
versions; checked against torch eager on a fixed input before use, so a graph that disagrees (or
a missing or failing ONNX toolchain) raises DynamicsOnnxUnavailable and the caller stays on
torch. The planner's rollouts and training stay on torch.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import torch

from glasses_agent import cache
from glasses_agent.perception.onnx_export import (OPSET, TOLERANCE, cached_session, graph_cache_key,
                                                  relative_difference)
from glasses_agent.world_model.dynamics import LatentDynamics, WorldCheckpointError


class DynamicsOnnxUnavailable(WorldCheckpointError):
    """The dynamics' ONNX graph cannot be used here (toolchain missing, export failed, outputs disagree)."""


def graph_key(model: LatentDynamics) -> str:
    """A hash of what the graph is built from: the model's tensors and config, the exporter's versions."""
    return graph_cache_key(model.config.to_dict(), model.state_dict())


def _example(model: LatentDynamics, batch: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    c = model.config
    g = torch.Generator().manual_seed(seed)
    state = torch.randn(batch, c.context, c.grid[0], c.grid[1], c.width, generator=g)
    action = torch.randn(batch, c.action_dim, generator=g)
    return state, action


def export_graph(model: LatentDynamics) -> bytes:
    """The ONNX bytes of one prediction step for one grid (the agent's call; the forward's
    reshapes by the input's size do not export with a free batch axis)."""
    buf = io.BytesIO()
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice is not the user's concern
        torch.onnx.export(
            model.eval(), _example(model, 1, seed=0), buf, dynamo=False, opset_version=OPSET,
            input_names=["state", "action"], output_names=["grid"],
        )
    return buf.getvalue()


class OnnxDynamics:
    """An ONNX Runtime session for `model`'s forward step; `model` stays the reference (and the
    planner's), so a caller can tell whether the graph is still of the model it holds."""

    def __init__(self, model: LatentDynamics, session: object, path: Path) -> None:
        self.model = model
        self.session = session
        self.path = path

    def __call__(self, state: np.ndarray, action: np.ndarray) -> torch.Tensor:
        feeds = {"state": np.ascontiguousarray(state, np.float32), "action": np.ascontiguousarray(action, np.float32)}
        return torch.from_numpy(self.session.run(None, feeds)[0])


def max_difference(graph: OnnxDynamics) -> float:
    """relative_difference between torch eager and the graph on a fixed input."""
    state, action = _example(graph.model, 1, seed=1)
    with torch.inference_mode():
        expected = graph.model(state, action)
    return relative_difference(expected, graph(state.numpy(), action.numpy()))


def load_onnx_dynamics(model: LatentDynamics, *, threads: int = 1, cache_dir: str | Path | None = None) -> OnnxDynamics:
    """The cached (or freshly exported) graph of `model`, checked against it. Raises DynamicsOnnxUnavailable."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError as err:
        raise DynamicsOnnxUnavailable(f"onnxruntime is not installed ({err})") from None
    folder = Path(cache_dir) if cache_dir is not None else cache.cache_dir("world-onnx")
    path = folder / f"dynamics-{graph_key(model)}.onnx"
    try:
        session = cached_session(path, lambda: export_graph(model), threads)
    except Exception as err:  # noqa: BLE001 - any exporter or runtime failure means: stay on torch
        raise DynamicsOnnxUnavailable(f"ONNX graph of the latent dynamics not usable: {type(err).__name__}: "
                                      f"{str(err).splitlines()[0] if str(err) else ''}") from None
    graph = OnnxDynamics(model, session, path)
    diff = max_difference(graph)
    if not diff <= TOLERANCE:
        raise DynamicsOnnxUnavailable(f"ONNX graph of the latent dynamics differs from torch by {diff:.2e} (> {TOLERANCE:g})")
    return graph


__all__ = ["DynamicsOnnxUnavailable", "OnnxDynamics", "export_graph", "graph_key", "load_onnx_dynamics", "max_difference"]
