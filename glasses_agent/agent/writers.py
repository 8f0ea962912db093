"""Where the agent's decisions go: a prompts file, a trace file, an MCAP recording, a callback.

Prompts and traces are canonical JSON lines (sorted keys, rounded floats), so two `--speed max`
replays of one recording give byte-identical files. In MCAP they are JSON-schema channels
`/agent/prompts` and `/agent/trace` beside the sensor streams, so Foxglove shows them on the
same timeline; beside them, in Foxglove's own types (`foxglove_view`), what its panels draw:
`/agent/annotations` over the camera image, `/agent/log` (the prompts) and `/agent/metrics`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from glasses_agent.agent import foxglove_view
from glasses_agent.agent.trace import trace_record
from glasses_agent.context import TickContext
from glasses_agent.prompts import Prompt
from streams.stages import Stage
from streams.trace import JsonlWriter, _round_floats

PROMPTS_TOPIC = "/agent/prompts"
TRACE_TOPIC = "/agent/trace"
ANNOTATIONS_TOPIC = "/agent/annotations"
LOG_TOPIC = "/agent/log"
METRICS_TOPIC = "/agent/metrics"
PROMPT_SCHEMA: dict[str, Any] = {
    "title": "glasses_agent.Prompt",
    "description": "A prompt sent to the wearer (DESIGN.md, Prompt record)",
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "t_ns": {"type": "integer"},
        "kind": {"type": "string"},
        "text": {"type": "string", "maxLength": 48},
        "priority": {"type": "integer", "minimum": 0, "maximum": 3},
        "haptic": {"type": "string"},
        "ttl_ms": {"type": "integer"},
        "evidence": {"type": "object"},
    },
    "required": ["id", "t_ns", "kind", "text", "priority", "haptic", "ttl_ms", "evidence"],
}
TRACE_SCHEMA: dict[str, Any] = {
    "title": "glasses_agent.Trace",
    "description": "One tick of the agent: belief, proposals and the critic's verdicts with reasons",
    "type": "object",
    "properties": {
        "t_ns": {"type": "integer"},
        "mode": {"type": "string"},
        "surprise": {"type": ["number", "null"]},
        "entities": {"type": "array"},
        "proposals": {"type": "array"},
        "verdicts": {"type": "array"},
    },
    "required": ["t_ns", "mode", "entities", "proposals", "verdicts"],
}


class AgentOutputStage(Stage):
    """Writes each tick's prompts and trace; passes the context on unchanged."""

    name = "outputs"

    def __init__(
        self,
        *,
        prompts_out: str | Path | None = None,
        trace_out: str | Path | None = None,
        recorder: Any = None,  # a streams.recording.McapRecorder the caller opened and closes
        on_prompt: Callable[[Prompt], None] | None = None,
        upstream: list[Stage] = (),
    ) -> None:
        """`upstream`: the stages that run before this one in each tick; their latencies add up
        to the tick latency written to `/agent/metrics`."""
        super().__init__()
        self.upstream = list(upstream)
        self.prompts = JsonlWriter(prompts_out) if prompts_out else None
        self.trace = JsonlWriter(trace_out) if trace_out else None
        self.recorder = recorder
        self.on_prompt = on_prompt
        self.prompts_written = 0
        self.last_prompt_wall: float | None = None
        self._seq = 0

    async def start(self) -> None:
        for w in (self.prompts, self.trace):
            if w is not None:
                w.open()

    async def process(self, ctx: TickContext | None) -> TickContext | None:
        if ctx is None:
            return None
        record = trace_record(ctx) if (self.trace is not None or self.recorder is not None) else None
        if self.trace is not None:
            self.trace.write(record)  # type: ignore[arg-type]
        if self.recorder is not None:
            self._record_tick(ctx, record)
        for p in ctx.prompts:
            if self.prompts is not None:
                self.prompts.write(p.to_record())
            if self.recorder is not None:
                self.recorder.write_json(PROMPTS_TOPIC, p.t_ns, _round_floats(p.to_record()), "glasses_agent.Prompt",
                                         schema=PROMPT_SCHEMA, seq=self._seq)
                self.recorder.write_protobuf(LOG_TOPIC, p.t_ns, foxglove_view.prompt_log(p, self.recorder.wall_ns(p.t_ns)),
                                             seq=self._seq)
                self._seq += 1
            if self.on_prompt is not None:
                self.on_prompt(p)
            self.prompts_written += 1
        if ctx.prompts:
            import time

            self.last_prompt_wall = time.perf_counter()
        return ctx

    def _record_tick(self, ctx: TickContext, record: dict[str, Any] | None) -> None:
        recorder = self.recorder
        recorder.write_json(TRACE_TOPIC, ctx.t_ns, _round_floats(record), "glasses_agent.Trace",
                            schema=TRACE_SCHEMA, seq=ctx.tick.index)
        annotations = foxglove_view.image_annotations(ctx, recorder.wall_ns)
        if annotations is not None:
            recorder.write_protobuf(ANNOTATIONS_TOPIC, ctx.t_ns, annotations, seq=ctx.tick.index)
        # This tick's latency: the stages before this one ran one after another on it.
        latency_ms = sum(s.stats.latencies_ns[-1] for s in self.upstream if s.stats.latencies_ns) / 1e6
        recorder.write_json(METRICS_TOPIC, ctx.t_ns, foxglove_view.tick_metrics(ctx, latency_ms),
                            "glasses_agent.TickMetrics", schema=foxglove_view.METRICS_SCHEMA, seq=ctx.tick.index)

    async def stop(self) -> None:
        for w in (self.prompts, self.trace):
            if w is not None:
                w.close()
        await super().stop()
