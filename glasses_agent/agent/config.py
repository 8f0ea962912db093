"""What an agent is built from: who it serves, how it starts, which checkpoints it loads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgentConfig:
    device_id: str = "default"
    wearer: str = "default"
    mode: str = "explore"
    tick_hz: float = 10.0
    memory_path: str | None = None  # None: MemoryStore's default path; tests pass a tmp path
    perception_checkpoint: str | None = None  # None: the shipped default; "none": run without the model
    world_checkpoint: str | None = None  # None: the shipped default; "none": run without the world model
    modes_file: str | None = None  # None: the shipped glasses_agent/configurator/modes.toml
    auto_mode: bool = True  # context may switch explore -> navigate while walking
    log_prompts: bool = True  # keep sent prompts in the wearer's memory (feedback needs them)
