"""What an agent is built from: who it serves, how it starts, which checkpoints it loads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgentConfig:
    """What an agent is built from: who it serves, how it starts, which checkpoints and options it uses."""

    device_id: str = "default"
    wearer: str = "default"
    mode: str = "explore"
    tick_hz: float = 10.0
    memory_path: str | None = None  # None: MemoryStore's default path; tests pass a tmp path
    perception_checkpoint: str | None = None  # None: the shipped default; "none": run without the model
    # "auto": the encoder as an exported ONNX Runtime graph (bench encode: ~2x faster than torch
    # eager, same tokens within 1e-5) when it exports and matches, else torch; "torch", "onnx".
    perception_backend: str = "auto"
    # Start the classical detectors and the world model's object memory at the start of a tick,
    # beside perception (agent/stages/early.py); False runs every stage after the one before (same prompts).
    overlap: bool = True
    world_checkpoint: str | None = None  # None: the shipped default; "none": run without the world model
    # "auto": each tick's latent prediction by an exported ONNX Runtime graph (world_model/
    # dynamics_onnx.py: ~0.3 against ~0.75 ms a call in torch eager, same grid within 1e-4) when
    # it exports and matches, else torch; "torch".
    world_backend: str = "auto"
    object_slots: bool | None = None  # the world model's object slots; None: its default (world.OBJECT_SLOTS_DEFAULT)
    modes_file: str | None = None  # None: the shipped glasses_agent/configurator/modes.toml
    auto_mode: bool = True  # context may switch explore -> navigate while walking
    log_prompts: bool = True  # keep sent prompts in the wearer's memory (feedback needs them)
