"""The world model: what is where, what comes next, what was not expected, and what it is called.

Per tick (`step`): the object memory follows things in view and carries hidden ones forward
(objects.py); the last frames' motion, carried forward, foretells this frame and what it did
not foretell is measured (extrapolation.py); the latent dynamics predicts this tick's latent grid
from the last ones and the head motion (dynamics.py); the prediction errors become z-scores
(surprise.py) and the largest (the latent's and the extrapolation's weighted) is the tick's
surprise, with where it happened when a pixel channel saw it (the latent grid's error does not
localise). Enrolled things are looked for in the view
(enrolled.py, recognition.py) and sightings written to persistent memory. `plan_toward` rolls the model
forward over candidate head motions (planner.py).
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from glasses_agent.context import Entity, Percept, TickContext, WorldState
from glasses_agent.motion import head_motion
from glasses_agent.world_model import recognition as rec
from glasses_agent.world_model.broken_glide import NO_GLIDE, BrokenGlide
from glasses_agent.world_model.egomotion import EgoMotion, Motion
from glasses_agent.world_model.enrolled import EnrolledThings
from glasses_agent.world_model.extrapolation import NOTHING, MotionExtrapolation, Unexplained, eight_bit
from glasses_agent.world_model.foreground import BackgroundModel
from glasses_agent.world_model.hidden_movers import Hidden, HiddenMovers
from glasses_agent.world_model.objects import ObjectMemory
from glasses_agent.world_model.out_of_view import Gone, OutOfViewMemory
from glasses_agent.world_model.planner import FOV_RAD, plan_toward
from glasses_agent.world_model.slots import SlotEvent, SlotTracker
from glasses_agent.world_model.surprise import LatentSurprise, RunningStats, SoundChange, beyond_ordinary, combine, quadrant
from glasses_agent.world_model.tracks import ObjectStep
from streams.sync import Tick

if TYPE_CHECKING:  # torch comes with these: the checkpoint loader imports them
    import torch

    from glasses_agent.memory import MemoryStore
    from glasses_agent.perception import PerceptionEncoder
    from glasses_agent.world_model.dynamics import DynamicsConfig, LatentDynamics
    from glasses_agent.world_model.dynamics_onnx import OnnxDynamics

# predict_latent's result: (history version, head motion, predicted grid)
Prediction = tuple[int, tuple[float, float], "torch.Tensor"]

NS = 1_000_000_000
NOT_OBSERVED = object()  # `step` without `observe_pixels` first: the object memory steps inside it
# Object slots (slots.py) off by default: measured before the motion extrapolation, they lifted the
# world model on voe_dev from ~52% to ~71% but raised surprise prompts on the unaltered shared clips
# (people merging and splitting read as vanish/jump) and cost ~10x the world stage's time; the
# extrapolation now carries voe_dev (95.8% without them). `--object-slots` (agent CLI, `eval
# surprise`) turns them on to measure both side by side.
OBJECT_SLOTS_DEFAULT = False
# The latent dynamics' z counts a quarter (it was a half): on real footage it tells the broken twin
# of a pair no better than its untrained copy (voe_dev 47.9% both), and at a half its peaks on the
# plausible twins hid the pixel channels' finding in 8 of 48 pairs (world model 70.8% at 0.5, 83.3%
# at 0.25, 95.8% once only what lies beyond its wobble counts, surprise.beyond_ordinary). It still
# speaks where the whole grid misses hugely (z >= 16 reaches the prompt's 3).
LATENT_WEIGHT = 0.25
# What the last motion did not foretell (extrapolation.py), as a z-score against the clip's own
# running statistics, weighted as the latent dynamics' is: a region of unforetold change is also
# what a hand that starts to move or a person stepping out of a door gives, so it needs twice the
# z of the object memory's broken expectations to reach the prompt's 3.
EXTRAPOLATION_WEIGHT = 0.5
EXTRAPOLATION_FLOOR = 0.03  # the score's smallest believed spread
EXTRAPOLATION_HALFLIFE = 50
# Two seconds of a recording before its z means anything: 21 verdicts, as each is about the tick
# before (extrapolation.py waits a tick to see which regions went on), so the first scored is the 20th tick's.
EXTRAPOLATION_WARMUP = 21


@dataclass(frozen=True)
class PixelStep:
    """What the pixel half of a tick found: the head's motion, the object memory's step, the slots'
    surprises and what the last motion did not foretell."""

    motion: Motion
    objects: ObjectStep | None
    events: tuple[SlotEvent, ...]
    unexplained: Unexplained = NOTHING
    gone: Gone | None = None  # what should be back in view and is not (out_of_view.py)
    hidden: Hidden | None = None  # what went behind something and is overdue out of it (hidden_movers.py)
    glide: BrokenGlide = NO_GLIDE  # a thing followed in open view that broke its glide (broken_glide.py)


class WorldModel:
    """The agent's world model. `dynamics` None runs on the object memory alone (no latents)."""

    def __init__(self, dynamics: LatentDynamics | None = None, config: DynamicsConfig | None = None, *,
                 memory: MemoryStore | None = None, encoder: PerceptionEncoder | None = None,
                 source: str = "", use_objects: bool = True, use_latent: bool = True,
                 latent_weight: float = LATENT_WEIGHT, use_slots: bool | None = None, ego_action: bool = True) -> None:
        self.dynamics = dynamics
        self.config = config
        self.memory = memory
        self.encoder = encoder
        self.source = source
        self.use_objects = use_objects
        self.use_latent = use_latent and dynamics is not None
        self.latent_weight = latent_weight
        self.use_slots = OBJECT_SLOTS_DEFAULT if use_slots is None else use_slots  # None: the default
        self.ego_action = ego_action  # without an IMU, the image's ego-motion is the dynamics' action
        self.graph: OnnxDynamics | None = None  # the dynamics' step as an ONNX graph (`load(backend="auto")`)
        self.note = ""  # why the graph is not used, when it was asked for and could not be had
        self.enrolled = EnrolledThings(memory)  # what the wearer taught by name (enrolled.py)
        self.reset()

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path | None = None, *, memory: MemoryStore | None = None,
             encoder: PerceptionEncoder | None = None, backend: str = "torch",
             **kwargs: Any) -> WorldModel:
        """The world model of a checkpoint (None: the shipped default). `backend`: "torch" (eager)
        or "auto": each tick's latent prediction by an exported ONNX Runtime graph when one exports
        and matches torch (dynamics_onnx.py), else torch with the reason in `note`."""
        from glasses_agent.world_model.checkpoint import load_dynamics
        from glasses_agent.world_model.dynamics_onnx import DynamicsOnnxUnavailable, load_onnx_dynamics

        if backend not in ("torch", "auto"):
            raise DynamicsOnnxUnavailable(f"world-model backend must be torch or auto, got {backend!r}")
        dynamics, config, source = load_dynamics(path)
        world = cls(dynamics, config, memory=memory, encoder=encoder, source=source, **kwargs)
        if backend == "auto":
            try:
                world.graph = load_onnx_dynamics(dynamics)
            except DynamicsOnnxUnavailable as err:
                world.note = f"latent dynamics run on torch eager: {err}"
        return world

    def reset(self) -> None:
        """Forget the scene (not the enrollments): a new recording or session starts."""
        self.objects = ObjectMemory()
        self.ego = EgoMotion()
        self.slots = SlotTracker()
        self.motion = Motion()
        self.object_stats = RunningStats(halflife=50, floor=0.1, warmup=5)
        self.extrapolation = MotionExtrapolation()
        self.out_of_view = OutOfViewMemory()
        self.hidden_movers = HiddenMovers()
        self.extrapolation_stats = RunningStats(halflife=EXTRAPOLATION_HALFLIFE, floor=EXTRAPOLATION_FLOOR,
                                                warmup=EXTRAPOLATION_WARMUP)
        # The broken glide, a stream of its own (mostly 0: it must not learn the regions' usual), as
        # the extrapolation's: the same weight, spread and warm-up.
        self.glide_stats = RunningStats(halflife=EXTRAPOLATION_HALFLIFE, floor=EXTRAPOLATION_FLOOR,
                                        warmup=EXTRAPOLATION_WARMUP)
        self.latent_surprise = LatentSurprise()
        self.sound_change = SoundChange()
        self.history: deque[np.ndarray] = deque(maxlen=self.config.context if self.config else 2)
        self._history_version = 0  # counts what `history` took, so a prediction knows what it was made from
        self.last_state: WorldState | None = None
        self.last_grid: np.ndarray | None = None
        self.last_image: np.ndarray | None = None
        self.enrolled.reset()
        self._ticks = 0

    # -- one tick ------------------------------------------------------------------------------

    def observe_pixels(self, tick: Tick, beside: Executor | None = None) -> PixelStep | None:
        """The pixel half of a tick on its newest frame: ego-motion, the object memory's and the slots'
        steps. It needs no percept, so the agent runs it beside perception and hands the result to
        `step(ctx, pixels)` (same result). `beside`: a thread to find the extrapolation's dense flow
        on while the rest runs here (same result: it reads the work frame and the extrapolation's
        last frame, which nothing here writes before the extrapolation's step takes the flow)."""
        frame = tick.latest_video
        if frame is None or not frame.image.size:
            return None
        t = tick.t_ns / NS
        # Shrunk once for every part (ego-motion, object memory, slots: all at WORK_WIDTH px).
        work = BackgroundModel.work_image(frame.image)
        eight = eight_bit(work)  # its 8-bit RGB and grey, once for the head's motion, the flow and the extrapolation
        # The extrapolation's dense flow (~1.2 ms, one OpenCV call that lets go of the GIL) needs
        # nothing of the rest: on another thread it is found while the head's motion and the object
        # memory's step are made here. (The object memory's step itself on another thread was
        # slower alone: its Python holds the GIL that this thread's many short OpenCV calls wait for.)
        flow_later = beside.submit(self.extrapolation.flow_back, eight[1]) if self.use_objects and beside is not None else None
        motion = self.ego.update(eight[1], t, tick.imu)  # the grey egomotion.gray_small makes of the work frame
        objects = self.objects.step(frame.image, t, work) if self.use_objects else None
        events = tuple(self.slots.step(frame.image, t, motion, work)) if self.use_objects and self.use_slots else ()
        gone = None
        if self.use_objects:
            # Before the extrapolation steps: what leaves the view is judged still or not by the last
            # frame's own motion, which the extrapolation holds until then.
            head = motion.scaled(work.shape[1]).homography if motion.ok else None
            gone = self.out_of_view.step(work, frame.t_ns / NS, head, self.extrapolation.own_motion)
        # At the frame's own time: a 15 frames/s clip ticked at 10 Hz is 67 or 133 ms a frame, and the
        # extrapolation carries motion over the real interval.
        unexplained = NOTHING
        hidden = None
        glide = NO_GLIDE
        if self.use_objects:
            back = flow_later.result() if flow_later is not None else None
            unexplained = self.extrapolation.step(work, frame.t_ns / NS, motion, back, eight)
            glide = self.extrapolation.broken_glide
            # After the extrapolation's step: movers are seeded from this frame's own-motion field.
            hidden = self.hidden_movers.step(self.extrapolation.lab, frame.t_ns / NS, head, self.extrapolation.own_motion)
        return PixelStep(motion, objects, events, unexplained, gone, hidden, glide)

    def predict_latent(self, tick: Tick) -> Prediction | None:
        """The latent dynamics' prediction of this tick's grid, from the last ticks' grids and the
        head motion: it needs no percept, so the agent makes it beside perception and hands it to
        `step(ctx, pixels, predicted)` (~0.9 ms a tick off the chain, same result). None before
        the history is full."""
        if not self.use_latent or len(self.history) != self.history.maxlen:
            return None
        head = self._head_motion(tick, self.motion)
        return (self._history_version, head, self._predict(head))

    def step(self, ctx: TickContext, pixels: PixelStep | None | object = NOT_OBSERVED,
             predicted: Prediction | None = None) -> WorldState:
        """The world state after this tick. `pixels` and `predicted`: `observe_pixels`' and
        `predict_latent`'s results for this tick when made beforehand (same result); without an IMU
        the head motion (the dynamics' action, the latent gate) is the image's ego-motion."""
        tick = ctx.tick
        t_ns = tick.t_ns
        if pixels is NOT_OBSERVED:
            pixels = self.observe_pixels(tick)
        motion = pixels.motion if pixels is not None else Motion()
        head = self._head_motion(tick, motion)
        self.motion = motion
        frame = tick.latest_video
        z_obj, where_obj, z_lat, z_slot, z_ext, z_glide = 0.0, None, 0.0, 0.0, 0.0, 0.0
        gone = pixels.gone if pixels is not None else None
        z_gone = gone.z if gone is not None else 0.0
        hidden = pixels.hidden if pixels is not None else None
        z_hidden = hidden.z if hidden is not None else 0.0
        raw_obj = raw_lat = 0.0
        unexplained = pixels.unexplained if pixels is not None else NOTHING
        glide = pixels.glide if pixels is not None else NO_GLIDE
        events: tuple[SlotEvent, ...] = ()
        if pixels is not None and pixels.objects is not None:
            step = pixels.objects
            raw_obj = step.error
            z_obj = self.object_stats.z(raw_obj)  # the statistics learn every tick's error
            if step.violations:
                where_obj = max(step.violations, key=lambda v: v.magnitude).where
            else:
                # Its tracks' ordinary misses of the constant-velocity guess are no surprise, however
                # many things are in view (tests/test_object_surprise.py): it counts where it broke an
                # expectation. On the tuning pairs their z had set plausible twins' peaks.
                z_obj = 0.0
            self.last_image = frame.image
        if pixels is not None and self.use_objects:
            z_ext = EXTRAPOLATION_WEIGHT * self.extrapolation_stats.z(unexplained.score)
            z_glide = EXTRAPOLATION_WEIGHT * self.glide_stats.z(glide.score)
        if pixels is not None and pixels.events:
            events = pixels.events
            strongest = max(events, key=lambda e: e.z)
            z_slot = strongest.z
        grid = rec.latent_grid(ctx.percept)
        if grid is not None and self.use_latent:
            cells = self._latent_error(ctx.percept, head, predicted)
            sound_changed = self.sound_change.step(tick.audio, tick.sample_rate) if tick.audio.size else False
            if cells is not None:
                raw_lat = float(cells.mean())
                z_lat = self.latent_surprise.step(cells, head, sound_changed)
        self.last_grid = grid
        surprise = combine(max(beyond_ordinary(z_obj), z_slot, z_ext, z_glide, z_gone, z_hidden), z_lat, self.latent_weight) if self.use_objects else z_lat
        # Only the pixel channels know where: the latent grid's error does not localise (surprise.py).
        where = where_obj if z_obj > 0 else None
        if z_slot > 0 and z_slot >= z_obj:
            where = max(events, key=lambda e: e.z).where
        if z_ext > 0 and z_ext >= max(z_obj, z_slot) and unexplained.where is not None:
            where = unexplained.where
        if z_glide > 0 and z_glide > max(z_obj, z_slot, z_ext) and glide.where is not None:
            where = glide.where
        if gone is not None and z_gone >= max(z_obj, z_slot, z_ext, z_glide):
            where = gone.where
        if hidden is not None and z_hidden >= max(z_obj, z_slot, z_ext, z_glide, z_gone):
            where = hidden.where
        named, sounds = self.enrolled.recognise(ctx, grid, self.last_image, self.objects, self._ticks)
        entities = self._entities(named)
        state = WorldState(
            t_ns=t_ns, surprise=float(round(surprise, 4)), surprise_raw=float(round(raw_obj + (raw_lat or 0.0), 6)),
            surprise_where=(round(where[0], 4), round(where[1], 4)) if where else None,
            surprise_quadrant=quadrant(where), entities=tuple(entities), sounds=tuple(sounds),
            head_motion=head, walking=ctx.walking,
        )
        if z_ext > 0 and unexplained.where is not None:  # into the trace: the unforetold region, its z and place
            ctx.extras["unforetold"] = {"z": round(z_ext, 3), "where": [round(v, 4) for v in unexplained.where],
                                        "area": round(unexplained.area, 4)}
        if z_glide > 0 and glide.where is not None:  # into the trace: the broken glide, its z and place
            ctx.extras["broken_glide"] = {"z": round(z_glide, 3), "where": [round(v, 4) for v in glide.where]}
        if gone is not None:  # into the trace: what should be back in view and is not, its z and place
            ctx.extras["gone_from_view"] = {"z": round(gone.z, 3), "where": [round(v, 4) for v in gone.where],
                                            "patches": gone.patches}
        if hidden is not None:  # into the trace: what went behind something and is overdue, its z, place and why
            ctx.extras["hidden_mover"] = {"z": round(hidden.z, 3), "where": [round(v, 4) for v in hidden.where],
                                          "reason": hidden.reason()}
        if events:  # into the trace: each slot's surprise with its reason, z and clock position
            ctx.extras["slot_surprise"] = [e.as_dict() for e in events]
        self.last_state = state
        self._ticks += 1
        return state

    def _latent_error(self, percept: Percept, head: tuple[float, float],
                      predicted: Prediction | None = None) -> np.ndarray | None:
        """The latent dynamics' per-cell error (H, W) on this tick, None until it has context.
        `predicted` is `predict_latent`'s for this tick: used if made from this same history and
        head motion, else the prediction is made here."""
        import torch

        from glasses_agent.world_model.dynamics import token_error

        tokens = percept.video_tokens[-1].astype(np.float32)
        cells = None
        if len(self.history) == self.history.maxlen:
            if predicted is not None and predicted[:2] == (self._history_version, head):
                grid = predicted[2]
            else:
                grid = self._predict(head)
            with torch.inference_mode():
                cells = token_error(grid, torch.from_numpy(tokens)[None])[0].numpy()
        self.history.append(tokens)
        self._history_version += 1
        return cells

    def _predict(self, head: tuple[float, float]) -> torch.Tensor:
        import torch

        if self.graph is not None and self.graph.model is self.dynamics:
            return self.graph(np.stack(self.history)[None], np.asarray([head], np.float32))
        state = torch.from_numpy(np.stack(self.history))[None]
        action = torch.tensor([head], dtype=torch.float32)
        with torch.inference_mode():
            return self.dynamics(state, action)

    def _head_motion(self, tick: Tick, motion: Motion | None = None) -> tuple[float, float]:
        """(yaw, pitch) in rad/s: the gyro's where the device has one, else the image's ego-motion."""
        if tick.imu:
            return head_motion(tick.imu)
        if self.ego_action and motion is not None and motion.ok:
            return motion.action
        return (0.0, 0.0)

    def _entities(self, named: dict[int, tuple[str, float]]) -> list[Entity]:
        out = []
        steady = self.objects.steady  # without a steady view a box's growth is the view's, not the thing's
        for track in self.objects.tracks:
            if not track.confirmed or track.state == "out_of_view":
                continue
            name, score = named.get(track.id, (None, 0.0))
            out.append(Entity(
                id=track.id, box=tuple(round(v, 4) for v in self.objects.box_fraction(track)),
                first_seen_ns=int(track.first_seen * NS), last_seen_ns=int(track.last_seen * NS),
                name=name, score=round(score, 4), visible=track.state == "visible",
                approach=round(track.approach, 4) if steady else 0.0,
            ))
        for key, found in named.items():
            if isinstance(key, str):  # recognised where no track was: an entity of its own
                name, score, box, t_ns = found
                out.append(Entity(id=-(abs(hash(name)) % 10_000) - 1, box=tuple(round(v, 4) for v in box),
                                  first_seen_ns=t_ns, last_seen_ns=t_ns, name=name, score=round(score, 4)))
        return out

    # -- enrolled things -----------------------------------------------------------------------

    def enroll_object(self, name: str, ctx_or_percept: TickContext | Percept | None, box: rec.Box,
                      image: np.ndarray | None = None) -> rec.Prototype:
        """Teach NAME from the thing inside `box` (fractions of the view): in `image`, else the tick's
        frame, else the last frame seen. A face is refused."""
        percept = ctx_or_percept.percept if isinstance(ctx_or_percept, TickContext) else ctx_or_percept
        if image is None and isinstance(ctx_or_percept, TickContext) and ctx_or_percept.tick.latest_video is not None:
            image = ctx_or_percept.tick.latest_video.image
        return self.enrolled.enroll_object(name, percept, box, self.last_image if image is None else image)

    def enroll_sound(self, name: str, percepts: list[Percept], others: list[Percept] = ()) -> rec.Prototype:
        """Teach NAME from the audio of `percepts`; `others` (audio outside the span) set the threshold."""
        return self.enrolled.enroll_sound(name, percepts, others)

    # -- planning ------------------------------------------------------------------------------

    def plan_toward(self, name: str, ctx: TickContext | None = None, **kwargs: Any) -> tuple[float, float] | None:
        """The planned head turn (yaw, pitch) in radians toward NAME (planner.py), None if unknown."""
        return plan_toward(self, name, **kwargs)

    def direction_to(self, ctx: TickContext | None, name: str) -> float | None:
        """Where NAME is, as x across the view (0 left .. 1 right; beyond the view clipped)."""
        if self.last_state is not None:
            for e in self.last_state.entities:
                if e.name == name and e.visible:
                    return e.center[0]
        plan = self.plan_toward(name, ctx)
        if plan is None:
            return None
        yaw, _ = plan
        return float(min(1.0, max(0.0, 0.5 - yaw / FOV_RAD)))
