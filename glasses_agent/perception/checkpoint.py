"""Checkpoints: a folder with `perception.safetensors` (tensors, no pickle) and `config.json`.

config.json holds {"model": ModelConfig fields, "objective": ..., "training": {...}}. The
tensors are the encoder's ("encoder.*"), plus, in training checkpoints, the predictor's and the
target encoder's, so `--resume` continues exactly. The shipped default keeps only the encoder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.errors import CheckpointError

WEIGHTS_NAME = "perception.safetensors"
CONFIG_NAME = "config.json"
DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[1] / "checkpoints" / "perception"


def save_checkpoint(folder: str | Path, config: ModelConfig, modules: dict[str, torch.nn.Module],
                    meta: dict[str, Any] | None = None) -> Path:
    """Write each module's state under its prefix ("encoder", "predictor", ...) and the config."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {}
    for prefix, module in modules.items():
        for name, value in module.state_dict().items():
            tensors[f"{prefix}.{name}"] = value.detach().to("cpu").contiguous()
    tmp = folder / (WEIGHTS_NAME + ".tmp")
    save_file(tensors, str(tmp), metadata={"format": "glasses-agent-perception"})
    tmp.replace(folder / WEIGHTS_NAME)  # a crash mid-write never leaves a torn checkpoint behind
    doc = {"model": config.to_dict(), **(meta or {})}
    (folder / CONFIG_NAME).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return folder


def _paths(path: str | Path | None) -> tuple[Path, Path]:
    path = DEFAULT_CHECKPOINT if path is None else Path(path)
    if path.is_dir():
        weights, config = path / WEIGHTS_NAME, path / CONFIG_NAME
    elif path.suffix == ".safetensors":
        weights = path
        config = path.with_suffix(".json") if path.with_suffix(".json").exists() else path.parent / CONFIG_NAME
    else:
        if not path.exists():
            raise CheckpointError(f"{path}: no such checkpoint (expected a folder with {WEIGHTS_NAME} "
                                  f"and {CONFIG_NAME}, or a .safetensors file)")
        raise CheckpointError(f"{path}: not a checkpoint (expected a folder or a .safetensors file)")
    if not weights.exists():
        raise CheckpointError(f"{weights}: no such checkpoint file; train one with "
                              f"`glasses-agent train perception --data synthetic:mixed --out DIR`")
    if not config.exists():
        raise CheckpointError(f"{config}: checkpoint config missing beside {weights.name}")
    return weights, config


def read_checkpoint(path: str | Path | None) -> tuple[ModelConfig, dict[str, torch.Tensor], dict[str, Any]]:
    """(config, tensors by full name, the rest of config.json). Raises CheckpointError."""
    weights, config_path = _paths(path)
    try:
        doc = json.loads(config_path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{config_path}: unreadable checkpoint config ({err})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("model"), dict):
        raise CheckpointError(f"{config_path}: not a perception checkpoint config (no 'model' section)")
    config = ModelConfig.from_dict(doc["model"])
    try:
        tensors = load_file(str(weights))
    except (SafetensorError, OSError) as err:
        raise CheckpointError(f"{weights}: unreadable checkpoint ({err})") from None
    return config, tensors, {k: v for k, v in doc.items() if k != "model"}


def load_module_state(module: torch.nn.Module, tensors: dict[str, torch.Tensor], prefix: str, source: str) -> None:
    """Load `prefix.*` tensors into module, with one clear line when shapes or names disagree."""
    state = {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
    if not state:
        raise CheckpointError(f"{source}: checkpoint holds no '{prefix}' weights")
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    if missing:
        raise CheckpointError(f"{source}: checkpoint of another shape: '{prefix}.{missing[0]}' missing "
                              f"({len(missing)} tensors in all)")
    unexpected = sorted(set(state) - set(expected))
    if unexpected:
        raise CheckpointError(f"{source}: checkpoint of another shape: unexpected '{prefix}.{unexpected[0]}'")
    for name, value in state.items():
        if tuple(value.shape) != tuple(expected[name].shape):
            raise CheckpointError(f"{source}: checkpoint of another shape: '{prefix}.{name}' is "
                                  f"{tuple(value.shape)}, its config builds {tuple(expected[name].shape)}")
    module.load_state_dict(state, strict=True)


def export_encoder(source: str | Path, dest: str | Path) -> Path:
    """Copy only the encoder (what inference needs) and the config of a training checkpoint."""
    config, tensors, meta = read_checkpoint(source)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    encoder = {k: v for k, v in tensors.items() if k.startswith("encoder.")}
    if not encoder:
        raise CheckpointError(f"{source}: checkpoint holds no encoder weights")
    tmp = dest / (WEIGHTS_NAME + ".tmp")
    save_file(encoder, str(tmp), metadata={"format": "glasses-agent-perception"})
    tmp.replace(dest / WEIGHTS_NAME)
    (dest / CONFIG_NAME).write_text(json.dumps({"model": config.to_dict(), **meta}, indent=2, sort_keys=True) + "\n")
    return dest
