"""What flows between the agent's stages: one `TickContext` per tick, enriched stage by stage.

    Tick -> context (`mode`, `walking`, `goal`, `budget`) -> perception (`percept`)
         -> world model (`world`) -> senses (`detections`) -> actor (`proposals`)
         -> critic (`verdicts`, `prompts`) -> outputs (prompts file, trace, MQTT, simulator)

Each stage reads what earlier ones left and adds its own part; a part that is None was not
computed (no model loaded, stage disabled), and later stages must cope with that. The context
holds numpy arrays only (never torch tensors), so the simulator and the bridge need no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from glasses_agent.motion import head_motion
from glasses_agent.prompts import Prompt
from streams.sync import Tick

if TYPE_CHECKING:  # the detectors and ego-motion load OpenCV; the context itself needs none of it
    from glasses_agent.detectors.base import Detections
    from glasses_agent.world_model.egomotion import Motion


@dataclass(frozen=True)
class Percept:
    """The perception model's output for one tick (float32 numpy arrays, width D).

    `video_tokens` keep their grid (time, rows, cols, D) and `audio_tokens` theirs (time, mel, D),
    so position survives: pooling everything would erase motion. An absent modality has zero-size
    tokens and a zero embedding, with `has_video` / `has_audio` False.
    """

    t_ns: int
    scene: np.ndarray  # (D,) fused, pooled scene embedding
    video: np.ndarray  # (D,) pooled video embedding
    audio: np.ndarray  # (D,) pooled audio embedding
    video_tokens: np.ndarray  # (T, H, W, D)
    audio_tokens: np.ndarray  # (T, F, D)
    has_video: bool = True
    has_audio: bool = True


@dataclass(frozen=True)
class Entity:
    """Something tracked in the scene. `box` is (x, y, w, h) as fractions of the view (0..1)."""

    id: int  # stable across ticks while the track lives
    box: tuple[float, float, float, float]
    first_seen_ns: int
    last_seen_ns: int
    kind: str = "object"  # "object", "person" (never identified), "qr", ...
    name: str | None = None  # enrolled name when recognised
    score: float = 0.0  # recognition similarity (for `name`) or detector confidence
    visible: bool = True  # False while carried forward behind an occluder or out of view
    approach: float = 0.0  # growth rate of the box area per second (looming > 0)

    @property
    def center(self) -> tuple[float, float]:
        """The box's centre, (x, y) as fractions of the view."""
        x, y, w, h = self.box
        return x + w / 2, y + h / 2


@dataclass(frozen=True)
class WorldState:
    """The world model's belief after a tick."""

    t_ns: int
    surprise: float = 0.0  # prediction error as a z-score against its running statistics
    surprise_raw: float = 0.0  # the unnormalised prediction error
    surprise_where: tuple[float, float] | None = None  # (x, y) in view of the most unexpected part
    surprise_quadrant: str | None = None  # "top-left", "top-right", "bottom-left", "bottom-right"
    entities: tuple[Entity, ...] = ()
    sounds: tuple[tuple[str, float], ...] = ()  # enrolled sounds heard now: (name, similarity)
    head_motion: tuple[float, float] = (0.0, 0.0)  # (yaw, pitch) rad/s from the IMU, 0 without one
    walking: bool = False  # the tick's `TickContext.walking`, as the world model saw it


@dataclass(frozen=True)
class Verdict:
    """The critic's decision on one proposal, with the reason a developer reads in the trace."""

    prompt_id: str
    kind: str
    allowed: bool
    reason: str  # e.g. "ok", "quiet mode", "repeat within 30 s", "learned: rarely helpful here (p=0.12)"
    cost: float = 0.0


@dataclass
class TickContext:
    """One tick on its way through the agent's chain: the tick's data and what each stage added.

    The ContextStage sets `mode`, `walking`, `goal` and `budget`; perception `percept`; the world
    model `world` and `view_motion`; the senses `detections`; the actor `proposals`; the critic `verdicts` and
    `prompts`. `extras` holds only diagnostics that go to the trace (the critic's context key).
    """

    tick: Tick
    mode: str = "explore"
    walking: bool = False  # steps in the IMU, decided once a tick (glasses_agent.motion)
    goal: str | None = None  # the thing the wearer asked to find ("find NAME"), if any
    budget: str | None = None  # why ticks are being skipped (battery low); None at full rate
    percept: Percept | None = None
    world: WorldState | None = None
    # The view's motion since the last tick from the world model's one ego-motion estimator (IMU
    # or image): the same `Motion` its object memory and latent dynamics use. None without a world model.
    view_motion: Motion | None = None
    detections: Detections | None = None  # the classical detectors' findings
    proposals: list[Prompt] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    prompts: list[Prompt] = field(default_factory=list)  # what reaches the wearer this tick
    extras: dict[str, Any] = field(default_factory=dict)  # diagnostics that go to the trace only

    @property
    def t_ns(self) -> int:
        """The tick's stream time."""
        return self.tick.t_ns

    @property
    def head_motion(self) -> tuple[float, float]:
        """(yaw, pitch) rad/s over the tick from the IMU's gyro, (0, 0) without one."""
        return head_motion(self.tick.imu)
