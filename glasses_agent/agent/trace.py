"""The trace record of one tick (DESIGN.md): what the agent believed, proposed and decided, and why.

Floats are rounded and keys sorted when written (streams.trace.dumps_record), so two replays
of one recording give byte-identical traces.
"""

from __future__ import annotations

from typing import Any

from glasses_agent.context import Entity, TickContext


def _entity(e: Entity) -> dict[str, Any]:
    return {
        "id": e.id,
        "kind": e.kind,
        "name": e.name,
        "box": [round(v, 4) for v in e.box],
        "score": round(e.score, 4),
        "visible": e.visible,
        "approach": round(e.approach, 4),
    }


def trace_record(ctx: TickContext) -> dict[str, Any]:
    """One tick's trace record: belief, proposals, verdicts with reasons, prompts, detections."""
    world = ctx.world
    record: dict[str, Any] = {
        "t_ns": ctx.t_ns,
        "tick": ctx.tick.index,
        "mode": ctx.mode,
        "surprise": round(world.surprise, 4) if world is not None else None,
        "surprise_where": list(world.surprise_where) if world is not None and world.surprise_where else None,
        "walking": ctx.walking,
        "entities": [_entity(e) for e in world.entities] if world is not None else [],
        "proposals": [p.to_record() for p in ctx.proposals],
        "verdicts": [
            {"id": v.prompt_id, "kind": v.kind, "allowed": v.allowed, "reason": v.reason, "cost": v.cost}
            for v in ctx.verdicts
        ],
        "prompts": [p.id for p in ctx.prompts],
        **ctx.tick.counts(),  # what the tick held: video frames, audio samples, IMU samples, events
    }
    if ctx.detections is not None:
        record["detections"] = ctx.detections.as_dict()
    if ctx.budget is not None:
        record["budget"] = ctx.budget
    if ctx.goal:
        record["goal"] = ctx.goal
    record.update(ctx.extras)  # the critic's context key
    return record
