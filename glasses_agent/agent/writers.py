"""Where the agent's decisions go: a prompts file, a trace file, an MCAP recording, a callback.

Prompts and traces are canonical JSON lines (sorted keys, rounded floats), so two `--speed max`
replays of one recording give byte-identical files. In MCAP they are JSON-schema channels
`/agent/prompts` and `/agent/trace` beside the sensor streams, so Foxglove shows them on the
same timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from glasses_agent.agent.trace import trace_record
from glasses_agent.context import TickContext
from glasses_agent.prompts import Prompt
from streams.stages import Stage
from streams.trace import JsonlWriter, _round_floats

PROMPTS_TOPIC = "/agent/prompts"
TRACE_TOPIC = "/agent/trace"
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
    ) -> None:
        super().__init__()
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
            self.recorder.write_json(TRACE_TOPIC, ctx.t_ns, _round_floats(record), "glasses_agent.Trace",
                                     schema=TRACE_SCHEMA, seq=ctx.tick.index)
        for p in ctx.prompts:
            if self.prompts is not None:
                self.prompts.write(p.to_record())
            if self.recorder is not None:
                self.recorder.write_json(PROMPTS_TOPIC, p.t_ns, _round_floats(p.to_record()), "glasses_agent.Prompt",
                                         schema=PROMPT_SCHEMA, seq=self._seq)
                self._seq += 1
            if self.on_prompt is not None:
                self.on_prompt(p)
            self.prompts_written += 1
        if ctx.prompts:
            import time

            self.last_prompt_wall = time.perf_counter()
        return ctx

    async def stop(self) -> None:
        for w in (self.prompts, self.trace):
            if w is not None:
                w.close()
        await super().stop()
