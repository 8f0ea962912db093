"""Where TickContexts come from. The app and the controller do not care which:

- `AgentDriver`: the live agent over a replay, the demo scene or live devices. Its stages are
  async (they push torch work to their own worker threads); the driver runs them on a private
  event loop inside the controller's worker thread, so nothing of the agent runs on the UI's.
- `TraceDriver`: a recorded trace (JSON lines, one record a tick) over the recording it was
  made from. The panes then show exactly what was recorded, whatever floating-point details of
  the model do today: this is what the snapshot tests drive.

Every method of a driver is called from the controller's one worker thread, one at a time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from glasses_agent.configurator import ButtonOutcome, Configurator
from glasses_agent.context import Entity, TickContext, Verdict, WorldState
from glasses_agent.errors import GlassesAgentError
from glasses_agent.prompts import InvalidPromptError, Prompt
from streams.pacers.interactive import NO_TICK_YET
from streams.sync import Tick
from streams.ticks import TickStream

MODES = ("explore", "navigate", "read", "social", "quiet")
NOTHING_YET = NO_TICK_YET  # a live driver's `next` found no new tick yet (not the end of the stream)


class SimError(GlassesAgentError):
    """A simulator input that cannot be used (bad trace file, unknown entity...)."""


class Driver(Protocol):
    """What the simulator reads ticks from: a replay or demo run through the agent, a recorded trace, or
    a live device; each gives TickContexts and takes feedback."""
    feed: TickStream
    label: str  # what the header shows as the source ("replay scene.mcap", "demo", ...)
    seekable: bool

    def next(self, not_before_ns: int | None = None) -> TickContext | None: ...
    def seek(self, t_ns: int) -> None: ...
    def feedback(self, prompt_id: str, verdict: str) -> None: ...
    def enroll(self, name: str, ctx: TickContext, entity: Entity) -> None: ...
    def set_mode(self, mode: str) -> None: ...
    def set_goal(self, name: str | None) -> None: ...
    def button(self, action: str) -> ButtonOutcome: ...
    def close(self) -> None: ...
    def enrolled(self) -> list[str]: ...


# -- trace records -> context ------------------------------------------------------------------


def _entity(rec: dict[str, Any], t_ns: int) -> Entity:
    box = tuple(float(v) for v in rec.get("box", (0, 0, 0, 0)))
    if len(box) != 4:
        raise SimError(f"entity {rec.get('id')!r} has a box of {len(box)} numbers, expected 4")
    return Entity(
        id=int(rec["id"]),
        box=box,  # type: ignore[arg-type]
        first_seen_ns=int(rec.get("first_seen_ns", t_ns)),
        last_seen_ns=int(rec.get("last_seen_ns", t_ns)),
        kind=str(rec.get("kind", "object")),
        name=rec.get("name"),
        score=float(rec.get("score", 0.0)),
        visible=bool(rec.get("visible", True)),
        approach=float(rec.get("approach", 0.0)),
    )


def context_from_record(tick: Tick, rec: dict[str, Any]) -> TickContext:
    """Rebuild what the panes need of a TickContext from its trace record (glasses_agent.agent.trace)."""
    t_ns = tick.t_ns
    try:
        where = rec.get("surprise_where")
        world = WorldState(
            t_ns=t_ns,
            surprise=float(rec.get("surprise") or 0.0),
            surprise_where=tuple(where) if where else None,  # type: ignore[arg-type]
            entities=tuple(_entity(e, t_ns) for e in rec.get("entities", [])),
            walking=bool(rec.get("walking", False)),
        )
        proposals = [Prompt.from_record(p) for p in rec.get("proposals", [])]
        verdicts = [
            Verdict(prompt_id=str(v["id"]), kind=str(v["kind"]), allowed=bool(v["allowed"]),
                    reason=str(v.get("reason", "")), cost=float(v.get("cost", 0.0)))
            for v in rec.get("verdicts", [])
        ]
    except (KeyError, TypeError, ValueError, InvalidPromptError) as err:
        raise SimError(f"trace record at t_ns={t_ns} is malformed: {err}") from None
    # A trace holds the detectors' results as their recorded dict, not as Detections: it rides in
    # extras (as it went to the trace); the typed hand-overs come back as typed fields.
    extras = {k: rec[k] for k in ("detections", "context") if k in rec}
    if rec.get("surprise") is None and not world.entities:
        world = None  # recorded without a world model
    by_id = {p.id: p for p in proposals}
    prompts = [by_id[i] for i in rec.get("prompts", []) if isinstance(i, str) and i in by_id]
    goal, budget = rec.get("goal"), rec.get("budget")
    return TickContext(tick=tick, mode=str(rec.get("mode", "explore")), world=world,
                       walking=bool(rec.get("walking", False)),
                       goal=goal if isinstance(goal, str) else None,
                       budget=budget if isinstance(budget, str) else None,
                       proposals=proposals, verdicts=verdicts, prompts=prompts, extras=extras)


def load_trace(path: str | Path) -> dict[int, dict[str, Any]]:
    """Trace records by tick time; one clear error for a missing or malformed file."""
    path = Path(path)
    if not path.is_file():
        raise SimError(f"{path}: no such trace file")
    records: dict[int, dict[str, Any]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            records[int(rec["t_ns"])] = rec
        except (ValueError, KeyError, TypeError) as err:
            raise SimError(f"{path}:{number}: not a trace record: {err}") from None
    if not records:
        raise SimError(f"{path}: the trace is empty")
    return records


def enrolled_names(agent: Any) -> list[str]:
    """What the wearer has taught this agent (objects and sounds), from its persistent memory."""
    return sorted(f"{e.name} ({e.modality})" if e.modality != "object" else e.name for e in agent.store.enrollments())


class TraceDriver:
    """Replays a recorded trace over its recording. Feedback and enrolments are kept here
    (the recorded agent cannot learn): an enrolled track shows its name from then on."""

    seekable = True

    def __init__(self, feed: TickStream, trace: dict[int, dict[str, Any]], label: str) -> None:
        self.feed = feed
        self.trace = trace
        self.label = label
        self.feedback_log: list[tuple[str, str]] = []
        self.names: dict[int, str] = {}
        self.mode: str | None = None
        self.goal: str | None = None
        self._shown_mode: str | None = None  # the last tick's (recorded) mode: where buttons start
        self._buttons: Configurator | None = None

    def next(self, not_before_ns: int | None = None) -> TickContext | None:
        tick = self.feed.next_tick(not_before_ns)
        if tick is None:
            return None
        rec = self.trace.get(tick.t_ns)
        ctx = context_from_record(tick, rec) if rec is not None else TickContext(tick=tick)
        if self.mode is not None:
            ctx.mode = self.mode
        self._shown_mode = ctx.mode
        if self.goal is not None:
            ctx.goal = self.goal
        if self.names and ctx.world is not None:
            entities = tuple(
                replace(e, name=self.names[e.id]) if e.id in self.names else e for e in ctx.world.entities
            )
            ctx.world = replace(ctx.world, entities=entities)
        return ctx

    def seek(self, t_ns: int) -> None:
        self.feed.seek(t_ns)

    def feedback(self, prompt_id: str, verdict: str) -> None:
        self.feedback_log.append((prompt_id, verdict))

    def enroll(self, name: str, ctx: TickContext, entity: Entity) -> None:
        self.names[entity.id] = name

    def set_mode(self, mode: str) -> None:
        self.mode = mode

    def button(self, action: str) -> ButtonOutcome:
        """A recorded trace has no agent: the agent's own button meanings (a Configurator, not
        auto-switching) turn the press into the mode the replay shows from the next tick on."""
        if self._buttons is None:
            self._buttons = Configurator(self.mode or self._shown_mode or "explore", auto=False)
        elif self.mode is not None and self.mode != self._buttons.mode:
            self._buttons.set_mode(self.mode)  # the mode key switched it since
        outcome = self._buttons.button(action)
        self.mode = outcome.mode
        return outcome

    def set_goal(self, name: str | None) -> None:
        self.goal = name

    def enrolled(self) -> list[str]:
        return sorted(set(self.names.values()))

    def close(self) -> None:
        return None


class AgentDriver:
    """The live agent: each tick goes through `agent.stages()` on a private event loop."""

    seekable = True

    def __init__(self, feed: TickStream, agent: Any, label: str, *, seekable: bool = True,
                 on_close: Callable[[], None] | None = None) -> None:
        self.feed = feed
        self.on_close = on_close  # after the agent has closed (the demo's own memory folder goes)
        self.agent = agent
        self.label = label
        self.seekable = seekable
        self.stages = list(agent.stages())
        self._loop: asyncio.AbstractEventLoop | None = None

    def _run(self, coro: Any) -> Any:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            for stage in self.stages:
                self._loop.run_until_complete(stage.start())
        return self._loop.run_until_complete(coro)

    def next(self, not_before_ns: int | None = None) -> TickContext | None:
        from streams.stages import run_chain

        tick = self.feed.next_tick(not_before_ns)
        if tick is None:
            return None
        outputs = self._run(run_chain(self.stages, tick))
        ctx = outputs[-1] if outputs else None
        # A stage may end a tick early (the configurator skips ticks on a low battery).
        return ctx if isinstance(ctx, TickContext) else TickContext(tick=tick, mode=self.agent.mode)

    def seek(self, t_ns: int) -> None:
        self.feed.seek(t_ns)

    def feedback(self, prompt_id: str, verdict: str) -> None:
        self.agent.feedback(prompt_id, verdict)

    def enroll(self, name: str, ctx: TickContext, entity: Entity) -> None:
        self.agent.enroll(name, ctx, entity.box)

    def set_mode(self, mode: str) -> None:
        self.agent.set_mode(mode)

    def set_goal(self, name: str | None) -> None:
        self.agent.set_goal(name)

    def button(self, action: str) -> ButtonOutcome:
        return self.agent.button(action)

    def enrolled(self) -> list[str]:
        return enrolled_names(self.agent)

    def close(self) -> None:
        if self._loop is not None:
            for stage in reversed(self.stages):
                self._loop.run_until_complete(stage.stop())
            self._loop.close()
            self._loop = None
        close = getattr(self.agent, "close", None)
        if callable(close):
            close()
        if self.on_close is not None:
            self.on_close()
            self.on_close = None
