"""The latent dynamics' step as an ONNX Runtime graph: torch's prediction, cached, and a safe fallback."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glasses_agent.errors import GlassesAgentError
from glasses_agent.perception.onnx_export import relative_difference
from glasses_agent.world_model import WorldModel
from glasses_agent.world_model import dynamics_onnx
from glasses_agent.world_model.dynamics import DynamicsConfig, LatentDynamics
from glasses_agent.world_model.dynamics_onnx import DynamicsOnnxUnavailable, load_onnx_dynamics
from tests.support.onnx_off import sessions_off_by


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """Graphs cached in a fresh folder, as `WorldModel.load` finds it (GLASSES_AGENT_CACHE)."""
    monkeypatch.setenv("GLASSES_AGENT_CACHE", str(tmp_path))
    return tmp_path / "world-onnx"


def _histories(world: WorldModel, ticks: int = 12, seed: int = 0):
    """Grids of the perception model's scale, one a tick, and head motions as a walk turns."""
    rng = np.random.default_rng(seed)
    c = world.config
    grid = rng.normal(0.0, 1.5, (c.grid[0], c.grid[1], c.width)).astype(np.float32)
    for i in range(ticks):
        grid = (grid + rng.normal(0.0, 0.3, grid.shape)).astype(np.float32)
        yield grid, (float(0.4 * np.sin(i / 3)), float(rng.normal(0.0, 0.1)))


def test_the_agents_world_predicts_each_tick_as_torch_does_to_float32_rounding(cache):
    graph_world, eager_world = WorldModel.load(backend="auto"), WorldModel.load()
    assert graph_world.graph is not None and graph_world.note == ""
    assert eager_world.graph is None
    worst = 0.0
    for grid, head in _histories(graph_world):
        for world in (graph_world, eager_world):
            world.history.append(grid)
        if len(graph_world.history) == graph_world.history.maxlen:
            worst = max(worst, relative_difference(eager_world._predict(head), graph_world._predict(head)))
    # Measured on the shipped checkpoint: ~1e-7 (float32 sums in another order); a wrong graph is off by ~1.
    assert worst <= 1e-5, worst


def test_the_graph_is_exported_once_per_checkpoint_and_cached_by_its_hash(cache, monkeypatch):
    WorldModel.load(backend="auto")
    assert len(list(cache.iterdir())) == 1

    def no_export(*args, **kwargs):
        raise AssertionError("exported again although the graph is cached")

    with monkeypatch.context() as patched:
        patched.setattr(dynamics_onnx, "export_graph", no_export)
        assert WorldModel.load(backend="auto").graph is not None
    # Other weights of the same shapes never meet the first one's graph.
    torch.manual_seed(3)
    other = LatentDynamics(DynamicsConfig()).eval()
    graph = load_onnx_dynamics(other)
    assert len(list(cache.iterdir())) == 2
    state, action = np.ones((1, 2, 6, 6, 128), np.float32), np.zeros((1, 2), np.float32)
    with torch.inference_mode():
        expected = other(torch.from_numpy(state), torch.from_numpy(action))
    assert relative_difference(expected, graph(state, action)) <= 1e-5


def test_a_damaged_cached_graph_is_exported_again(cache):
    WorldModel.load(backend="auto")
    for path in cache.iterdir():
        path.write_bytes(b"not a graph")
    assert WorldModel.load(backend="auto").graph is not None
    assert all(path.stat().st_size > 100_000 for path in cache.iterdir())


def test_without_a_working_exporter_the_world_stays_on_torch_and_says_why(cache, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("exporter unavailable")

    monkeypatch.setattr(dynamics_onnx, "export_graph", broken)
    world = WorldModel.load(backend="auto")
    assert world.graph is None
    assert "exporter unavailable" in world.note and "\n" not in world.note
    with pytest.raises(GlassesAgentError, match="backend must be torch or auto"):
        WorldModel.load(backend="tensorrt")


def test_a_graph_whose_prediction_disagrees_with_torch_is_refused(cache, monkeypatch):
    sessions_off_by(monkeypatch)  # every output 1e-3 off
    with pytest.raises(DynamicsOnnxUnavailable, match="differs from torch"):
        load_onnx_dynamics(WorldModel.load().dynamics)
    world = WorldModel.load(backend="auto")
    assert world.graph is None and "differs from torch" in world.note


def test_a_world_given_other_dynamics_predicts_with_them_not_with_the_old_graph(cache):
    world = WorldModel.load(backend="auto")
    torch.manual_seed(5)
    world.dynamics = LatentDynamics(world.config).eval()  # e.g. a training loop swapping in new weights
    histories = list(_histories(world, ticks=2))
    for grid, _ in histories:
        world.history.append(grid)
    head = histories[-1][1]
    state = torch.from_numpy(np.stack(world.history))[None]
    with torch.inference_mode():
        expected = world.dynamics(state, torch.tensor([head], dtype=torch.float32))
    np.testing.assert_array_equal(world._predict(head).numpy(), expected.numpy())
