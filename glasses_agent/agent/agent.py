"""The Agent facade: builds the stage chain and is the handle the CLI, bridge and simulator hold.

    agent = Agent(AgentConfig(wearer="ada", memory_path=tmp / "m.sqlite3"))
    pipeline = Pipeline(agent.stages() + [writers...], tick_hz=agent.config.tick_hz)
    agent.feedback(prompt_id, "dismissed"); agent.set_mode("quiet"); agent.close()

Perception and the world model are loaded when their packages and checkpoints exist; without
them (or with checkpoint "none") the agent still runs on the classical detectors and the IMU.
Everything that decides is on stream time, so a lock-step replay is deterministic.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from glasses_agent.actor import Actor
from glasses_agent.agent.config import AgentConfig
from glasses_agent.agent.motion import WalkingDetector
from glasses_agent.agent.stages import ActorStage, ContextStage, CriticStage, SensesStage, WorldStage
from glasses_agent.agent.trace import trace_record
from glasses_agent.configurator import Configurator
from glasses_agent.context import TickContext
from glasses_agent.critic import PARAMS_KEY, Critic, LearnedCritic
from glasses_agent.errors import GlassesAgentError
from glasses_agent.memory.short_term import ShortTermMemory
from glasses_agent.prompts import Prompt
from streams.stages import Stage
from streams.sync import Tick

log = logging.getLogger(__name__)
FEEDBACK_LABELS = ("helpful", "dismissed")
SENT_KEPT = 4096  # prompts remembered for feedback by id (older ones are looked up in memory)


class UnknownPromptError(GlassesAgentError, KeyError):
    """Feedback for a prompt id this agent never sent."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def context_key(mode: str, walking: bool) -> str:
    """The context the learned critic keys on: the mode and whether the wearer walks."""
    return f"{mode}/{'walking' if walking else 'still'}"


class Agent:
    def __init__(self, config: AgentConfig | None = None) -> None:
        from glasses_agent.memory import MemoryStore

        self.config = config or AgentConfig()
        if self.config.overlap:
            # The agent's stages already run side by side on the two cores; OpenCV's own pool of
            # threads under each of them oversubscribed them (bench agent, load ~9: 2.26 -> 1.86 s
            # with one OpenCV thread). Its results do not depend on it (same traces on 3 clips).
            import cv2

            cv2.setNumThreads(1)
        self.configurator = Configurator(self.config.mode, self.config.modes_file, auto=self.config.auto_mode)
        self.store = MemoryStore(self.config.memory_path, self.config.wearer)
        self.short_term = ShortTermMemory(horizon_s=120.0)
        self.critic = Critic(self.short_term, LearnedCritic.from_params(self.store.load_params(PARAMS_KEY)))
        self.goal: str | None = None
        self.notes: list[str] = []  # what was left out and why (no model, ...), for the CLI
        self.perception_stage = self._load_perception()
        self.world_stage = self._load_world()
        self.actor = Actor(planner=self._planner())
        self._walking = WalkingDetector()
        # Built here with the models, not on the first tick: the OpenCV cascade and the VAD
        # model take 30-70 ms to load, which stalled the first tick of every run.
        from glasses_agent.detectors import DetectorSet

        self.detectors = DetectorSet()
        self._sent: OrderedDict[str, tuple[Prompt, str]] = OrderedDict()
        self._core: list[Stage] | None = None
        self.last_context: TickContext | None = None

    # -- the public API ------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return self.configurator.mode

    def set_mode(self, mode: str) -> None:
        t_ns = self.last_context.t_ns if self.last_context is not None else 0
        self.configurator.set_mode(mode, t_ns)

    def button(self, action: str):  # noqa: ANN201 (ButtonOutcome)
        """A device button press, double press or long press (glasses_agent.configurator.buttons)."""
        t_ns = self.last_context.t_ns if self.last_context is not None else 0
        return self.configurator.button(action, t_ns)

    def set_goal(self, name: str | None) -> None:
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise GlassesAgentError(f"a goal is the name of something to find, got {name!r}")
        self.goal = name.strip() if name else None

    def stages(self) -> list[Stage]:
        """The chain: Tick in, TickContext (proposals, verdicts, prompts filled) out."""
        if self._core is None:
            senses = SensesStage(self)
            world = WorldStage(self.world_stage) if self.world_stage is not None else None
            # The world's pixel work is the longer, so it starts first.
            early = [s for s in (world, senses) if s is not None] if self.config.overlap else []
            chain: list[Stage] = [ContextStage(self, early)]
            if self.perception_stage is not None:
                chain.append(self.perception_stage)
            if world is not None:
                chain.append(world)
            chain += [senses, ActorStage(self), CriticStage(self)]
            self._core = chain
        return list(self._core)

    def feedback(self, prompt_id: str, label: str) -> float | None:
        """The wearer found a prompt helpful or dismissed it: learn (per kind and context), persist.

        Returns the learned helpfulness of that kind in that context afterwards (None for safety
        kinds, which the learned critic never judges).
        """
        if label not in FEEDBACK_LABELS:
            raise GlassesAgentError(f"feedback must be one of {', '.join(FEEDBACK_LABELS)}, got {label!r}")
        sent = self._sent.get(prompt_id)
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
        if self.world_stage is None or not hasattr(self.world_stage, "enroll"):
            raise GlassesAgentError("enrolling needs the world model, which is not loaded")
        self.world_stage.enroll(name, ctx, box)

    def trace_record(self, ctx: TickContext) -> dict[str, Any]:
        return trace_record(ctx)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Agent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the stages' work ----------------------------------------------------------------------

    def _begin_tick(self, tick: Tick) -> TickContext | None:
        walking = self._walking.update(tick.imu, tick.t_ns)
        self.configurator.observe(tick.t_ns, walking, tick.events)
        ctx = TickContext(tick=tick, mode=self.configurator.mode)
        ctx.extras["walking"] = walking
        budget = self.configurator.budget
        if budget.tick_divisor > 1:
            ctx.extras["budget"] = budget.reason
            if tick.index % budget.tick_divisor:
                return None  # skipped to save power: the chain ends here for this tick
        self.last_context = ctx
        return ctx

    def _detector_plan(self) -> tuple[int, frozenset[str]]:
        """How often the slow detectors run and which of them the mode's policies read."""
        settings = self.configurator.settings
        want = frozenset(k for k, kind in (("qr", "text_read"), ("people", "people"), ("speech", "speech"))
                         if kind in settings.policies)
        return settings.detector_every, want

    def _detect(self, tick: Tick, every: int, want: frozenset[str]) -> Any:
        return self.detectors.run(tick, every, want=want)

    def _sense(self, ctx: TickContext, detections: Any) -> None:
        if ctx.world is not None and ctx.world.walking:
            ctx.extras["walking"] = True
        ctx.extras["detections"] = detections

    def _judge(self, ctx: TickContext) -> None:
        context = context_key(ctx.mode, bool(ctx.extras.get("walking")))
        ctx.extras["context"] = context
        proposals = [replace(p, evidence={**p.evidence, "context": context}) for p in ctx.proposals]
        ctx.proposals = proposals
        ctx.verdicts, ctx.prompts = self.critic.judge(proposals, self.configurator.settings, context)
        for p in ctx.prompts:
            self._sent[p.id] = (p, context)
            if len(self._sent) > SENT_KEPT:
                self._sent.popitem(last=False)
            if self.config.log_prompts:
                self.store.log_prompt(p.to_record())
        if self.goal:
            ctx.extras["goal"] = self.goal

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

    def _load_perception(self) -> Stage | None:
        path = self.config.perception_checkpoint
        if path == "none":
            return None
        try:
            from glasses_agent.perception import PerceptionStage, load_encoder
        except ImportError:
            self.notes.append("perception: not available (package not built yet); running on classical detectors")
            return None
        try:
            encoder = load_encoder(path, backend=self.config.perception_backend)
            if encoder.note:
                self.notes.append(encoder.note)
            return PerceptionStage(encoder)
        except GlassesAgentError as err:
            if path is not None:
                raise
            self.notes.append(f"perception: default checkpoint not loaded ({err})")
            return None

    def _load_world(self) -> Stage | None:
        path = self.config.world_checkpoint
        if path == "none" or self.perception_stage is None:
            return None
        try:
            import glasses_agent.world_model as wm
        except ImportError:
            self.notes.append("world model: not available (package not built yet)")
            return None
        try:
            # The world model keeps enrollments and sightings in the wearer's memory.
            return wm.load_world_stage(path, memory=self.store)
        except GlassesAgentError as err:
            if path is not None:
                raise
            self.notes.append(f"world model: default checkpoint not loaded ({err})")
            return None

    def _planner(self):  # noqa: ANN202
        stage = self.world_stage
        if stage is None:
            return None
        plan = getattr(stage, "direction_to", None) or getattr(stage, "plan", None)
        return plan if callable(plan) else None
