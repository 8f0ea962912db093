"""World-model checkpoints: a folder with `world.safetensors` (no pickle) and `config.json`.

config.json holds {"dynamics": DynamicsConfig fields, "perception": the encoder it was trained
on, "training": {...}}. The shipped default lives in glasses_agent/checkpoints/world/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from glasses_agent.world_model.dynamics import DynamicsConfig, LatentDynamics, WorldCheckpointError

WEIGHTS_NAME = "world.safetensors"
CONFIG_NAME = "config.json"
DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[1] / "checkpoints" / "world"
REPRODUCE = "glasses-agent train world --out glasses_agent/checkpoints/world"


def save_dynamics(folder: str | Path, model: LatentDynamics, meta: dict[str, Any] | None = None) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {f"dynamics.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    tmp = folder / (WEIGHTS_NAME + ".tmp")
    save_file(tensors, str(tmp), metadata={"format": "glasses-agent-world"})
    tmp.chmod(0o644)  # weights are not secrets: readable where the package is installed
    tmp.replace(folder / WEIGHTS_NAME)  # never a torn checkpoint after a crash mid-write
    doc = {"dynamics": model.config.to_dict(), **(meta or {})}
    (folder / CONFIG_NAME).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return folder


def load_dynamics(path: str | Path | None) -> tuple[LatentDynamics, DynamicsConfig, str]:
    """(model in eval mode, its config, where it came from). Raises WorldCheckpointError."""
    folder = DEFAULT_CHECKPOINT if path is None else Path(path)
    source = "default world checkpoint" if path is None else str(folder)
    if folder.suffix == ".safetensors":
        weights, config_path = folder, folder.parent / CONFIG_NAME
    else:
        weights, config_path = folder / WEIGHTS_NAME, folder / CONFIG_NAME
    if not weights.exists() or not config_path.exists():
        raise WorldCheckpointError(f"{folder}: no world-model checkpoint there (needs {WEIGHTS_NAME} and {CONFIG_NAME});"
                                   f" make one with `{REPRODUCE}`")
    try:
        doc = json.loads(config_path.read_text())
        config = DynamicsConfig.from_dict(doc["dynamics"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise WorldCheckpointError(f"{config_path}: not a world-model config ({err})") from None
    try:
        tensors = load_file(str(weights))
    except (SafetensorError, OSError) as err:
        raise WorldCheckpointError(f"{weights}: unreadable checkpoint ({err})") from None
    model = LatentDynamics(config)
    state = {k[len("dynamics."):]: v for k, v in tensors.items() if k.startswith("dynamics.")}
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:
        first = str(err).splitlines()[0]
        raise WorldCheckpointError(f"{weights}: weights do not fit their config ({first})") from None
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, config, source


def read_meta(path: str | Path | None) -> dict[str, Any]:
    folder = DEFAULT_CHECKPOINT if path is None else Path(path)
    try:
        return json.loads((folder / CONFIG_NAME).read_text())
    except (OSError, ValueError):
        return {}


__all__ = ["DEFAULT_CHECKPOINT", "load_dynamics", "read_meta", "save_dynamics", "torch"]
