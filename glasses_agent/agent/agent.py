"""The Agent: builds its parts and the chain of stages; the handle the CLI, bridge and simulator hold.

    agent = Agent(AgentConfig(wearer="ada", memory_path=tmp / "m.sqlite3"))
    pipeline = Pipeline(agent.stages() + [writers...], tick_hz=agent.config.tick_hz)
    agent.feedback(prompt_id, "dismissed"); agent.set_mode("quiet"); agent.close()

The tick's work is the stages' (stages/, one file a step); the Agent takes what comes from the
wearer between ticks: feedback, enrollment, mode and goal. Perception and the world model are
loaded when their checkpoints exist; without them (or with checkpoint "none") the agent still
runs on the classical detectors and the IMU. Everything that decides is on stream time, so a
lock-step replay is deterministic.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import cv2

from glasses_agent.actor import Actor
from glasses_agent.agent.config import AgentConfig
from glasses_agent.agent.parts import AgentParts
from glasses_agent.agent.stages import ActorStage, ContextStage, CriticStage, SensesStage, WorldStage
from glasses_agent.agent.trace import trace_record
from glasses_agent.configurator import Configurator
from glasses_agent.context import TickContext
from glasses_agent.critic import PARAMS_KEY, Critic, LearnedCritic
from glasses_agent.detectors import DetectorSet
from glasses_agent.errors import GlassesAgentError
from glasses_agent.memory import MemoryStore
from glasses_agent.memory.short_term import ShortTermMemory
from glasses_agent.prompts import Prompt
from streams.stages import Stage

if TYPE_CHECKING:  # both load torch: imported where a checkpoint is loaded (below)
    from glasses_agent.perception import PerceptionEncoder
    from glasses_agent.world_model import WorldModel

log = logging.getLogger(__name__)
FEEDBACK_LABELS = ("helpful", "dismissed")


class UnknownPromptError(GlassesAgentError, KeyError):
    """Feedback for a prompt id this agent never sent."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class Agent:
    """One wearer's agent: its parts (models, detectors, memory, configurator, critic), the chain
    of stages over them (`stages()`), and what the wearer says between ticks (`feedback`,
    `enroll`, `set_mode`, `set_goal`). `notes` say what was left out and why (no model, ...)."""

    def __init__(self, config: AgentConfig | None = None) -> None:
        self.config = config or AgentConfig()
        if self.config.overlap:
            # The agent's stages already run side by side on the two cores; OpenCV's own pool of
            # threads under each of them oversubscribed them (bench agent, load ~9: 2.26 -> 1.86 s
            # with one OpenCV thread). Its results do not depend on it (same traces on 3 clips).
            cv2.setNumThreads(1)
        self.notes: list[str] = []  # what was left out and why (no model, ...), for the CLI
        configurator = Configurator(self.config.mode, self.config.modes_file, auto=self.config.auto_mode)
        store = MemoryStore(self.config.memory_path, self.config.wearer)
        critic = Critic(ShortTermMemory(horizon_s=120.0), LearnedCritic.from_params(store.load_params(PARAMS_KEY)))
        encoder = self._load_encoder()
        # The world model keeps enrollments and sightings in the wearer's memory.
        world = self._load_world(store) if encoder is not None else None
        # Built here with the models, not on the first tick: the OpenCV cascade and the VAD
        # model take 30-70 ms to load, which stalled the first tick of every run.
        self.parts = AgentParts(
            config=self.config, configurator=configurator, store=store, critic=critic, detectors=DetectorSet(),
            actor=Actor(planner=world.direction_to if world is not None else None), encoder=encoder, world=world,
        )
        self.perception_stage = self._perception_stage(encoder) if encoder is not None else None
        self.world_stage = WorldStage(world) if world is not None else None
        self._chain = self._assemble()

    def _assemble(self) -> list[Stage]:
        """The chain in tick order; with `overlap` the world's and the senses' pixel work starts
        at the ContextStage (the world's is the longer, so it starts first)."""
        senses = SensesStage(self.parts)
        early = [s for s in (self.world_stage, senses) if s is not None] if self.config.overlap else []
        self._context = ContextStage(self.parts, early)
        chain: list[Stage] = [self._context]
        chain += [s for s in (self.perception_stage, self.world_stage) if s is not None]
        return chain + [senses, ActorStage(self.parts), CriticStage(self.parts)]

    # -- the public API ------------------------------------------------------------------------

    @property
    def configurator(self) -> Configurator:
        """The configurator: the mode in force, its settings, the compute budget."""
        return self.parts.configurator

    @property
    def store(self) -> MemoryStore:
        """The wearer's persistent memory."""
        return self.parts.store

    @property
    def critic(self) -> Critic:
        """The critic: hard rules and the learned critic."""
        return self.parts.critic

    @property
    def actor(self) -> Actor:
        """The actor and its policies."""
        return self.parts.actor

    @property
    def detectors(self) -> DetectorSet:
        """The classical detectors."""
        return self.parts.detectors

    @property
    def goal(self) -> str | None:
        """What the wearer asked to find, if anything."""
        return self.parts.goal.name

    @property
    def last_context(self) -> TickContext | None:
        """The newest tick's context (None before the first tick)."""
        return self._context.last_context

    @property
    def mode(self) -> str:
        """The mode in force."""
        return self.configurator.mode

    def set_mode(self, mode: str) -> None:
        """Switch to `mode` (the wearer's command); raises UnknownModeError for an unknown one."""
        t_ns = self.last_context.t_ns if self.last_context is not None else 0
        self.configurator.set_mode(mode, t_ns)

    def button(self, action: str):  # noqa: ANN201 (ButtonOutcome)
        """A device button press, double press or long press (glasses_agent.configurator.buttons)."""
        t_ns = self.last_context.t_ns if self.last_context is not None else 0
        return self.configurator.button(action, t_ns)

    def set_goal(self, name: str | None) -> None:
        """Ask the agent to guide the wearer to NAME (None: no goal), from the next tick on."""
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise GlassesAgentError(f"a goal is the name of something to find, got {name!r}")
        self.parts.goal.name = name.strip() if name else None

    def stages(self) -> list[Stage]:
        """The chain: Tick in, TickContext (proposals, verdicts, prompts filled) out."""
        return list(self._chain)

    def feedback(self, prompt_id: str, label: str) -> float | None:
        """The wearer found a prompt helpful or dismissed it: learn (per kind and context), persist.

        Returns the learned helpfulness of that kind in that context afterwards (None for safety
        kinds, which the learned critic never judges).
        """
        if label not in FEEDBACK_LABELS:
            raise GlassesAgentError(f"feedback must be one of {', '.join(FEEDBACK_LABELS)}, got {label!r}")
        sent = self.parts.sent.get(prompt_id)
        if sent is None:
            sent = self._lookup_logged(prompt_id)
        prompt, context = sent
        self.store.log_feedback(prompt_id, prompt.kind, label, context=context, t_ns=prompt.t_ns)
        if prompt.is_safety:
            return None  # recorded, never learned from: dismissing hazards must not mute hazards
        p = self.critic.learned.update(prompt.kind, context, label)
        self.store.save_params(PARAMS_KEY, self.critic.learned.to_params())
        return p

    def enroll(self, name: str, ctx: TickContext, box: tuple[float, float, float, float]) -> None:
        """Teach the world model NAME from the thing inside `box` (fractions of the view) in `ctx`."""
        if self.parts.world is None:
            raise GlassesAgentError("enrolling needs the world model, which is not loaded")
        self.parts.world.enroll_object(name, ctx, box)

    def trace_record(self, ctx: TickContext) -> dict[str, Any]:
        """The trace record of one tick (glasses_agent.agent.trace)."""
        return trace_record(ctx)

    def close(self) -> None:
        """Close the wearer's memory."""
        self.store.close()

    def __enter__(self) -> Agent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- loading the other parts ---------------------------------------------------------------

    def _lookup_logged(self, prompt_id: str) -> tuple[Prompt, str]:
        for record in reversed(self.store.prompts()):
            if record.get("id") == prompt_id:
                try:
                    prompt = Prompt.from_record(record)
                except GlassesAgentError:
                    break
                return prompt, str(prompt.evidence.get("context", ""))
        raise UnknownPromptError(f"no prompt {prompt_id!r} was sent to wearer {self.config.wearer!r}")

    # Perception and the world model load torch: imported here, when a checkpoint is used, so that
    # `glasses-agent --help` and a run without models stay light.

    def _load_encoder(self) -> PerceptionEncoder | None:
        path = self.config.perception_checkpoint
        if path == "none":
            return None
        from glasses_agent.perception import load_encoder

        try:
            encoder = load_encoder(path, backend=self.config.perception_backend)
        except GlassesAgentError as err:
            if path is not None:
                raise
            self.notes.append(f"perception: default checkpoint not loaded ({err})")
            return None
        if encoder.note:
            self.notes.append(encoder.note)
        return encoder

    @staticmethod
    def _perception_stage(encoder: PerceptionEncoder) -> Stage:
        from glasses_agent.agent.stages.perception import PerceptionStage

        return PerceptionStage(encoder)

    def _load_world(self, store: MemoryStore) -> WorldModel | None:
        path = self.config.world_checkpoint
        if path == "none":
            return None
        from glasses_agent.world_model import WorldModel

        try:
            world = WorldModel.load(path, memory=store, use_slots=self.config.object_slots,
                                    backend=self.config.world_backend)
        except GlassesAgentError as err:
            if path is not None:
                raise
            self.notes.append(f"world model: default checkpoint not loaded ({err})")
            return None
        if world.note:
            self.notes.append(world.note)
        return world
