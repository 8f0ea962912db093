"""One device as the bridge sees it: a live source feeding that device's own agent pipeline.

Each device gets its own Agent (its own memory file) and its own `streams` Pipeline, run by the
real-time pacer (streams.pacers.RealtimePacer: stale ticks dropped to stay current, and counted)
on the bridge's shared real clock; frames decoded from MQTT enter as a `LiveSource`, and the last
stage hands each tick's prompts back to the bridge for delivery.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from streams.frames import Frame
from streams.pacers.realtime import RealtimePacer
from streams.pipeline import Pipeline
from streams.sources.base import Emit
from streams.stages import Stage

log = logging.getLogger(__name__)


class MqttDeviceSource:
    """A LiveSource whose frames arrive over MQTT: the bridge pushes, the pipeline's channels take."""

    def __init__(self, device_id: str) -> None:
        self.name = f"mqtt:{device_id}"
        self._emit: Emit | None = None
        self.pushed = 0

    def start(self, emit: Emit, now_ns: Callable[[], int]) -> None:  # noqa: ARG002
        self._emit = emit

    def stop(self) -> None:
        self._emit = None

    def push(self, frame: Frame) -> bool:
        if self._emit is None:
            return False  # pipeline not started yet, or shutting down
        self._emit(frame)
        self.pushed += 1
        return True


class PromptSink(Stage):
    """The pipeline's last stage: whatever prompts the critic let through go to the device."""

    name = "mqtt-prompts"

    def __init__(self, deliver: Callable[[list[Any]], Awaitable[None]]) -> None:
        super().__init__()
        self.deliver = deliver
        self.audio_gap_ticks = 0  # ticks whose audio window had zero-filled (lost) spans
        self.audio_gaps_ns: Counter = Counter()  # (start, end) on the agent's timeline -> ticks that flagged it

    async def process(self, ctx: Any) -> Any:
        if ctx is None:
            return None
        gaps = ctx.tick.audio_gaps_ns
        if gaps:
            self.audio_gap_ticks += 1
            self.audio_gaps_ns.update(gaps)
            if len(self.audio_gaps_ns) > 256:  # bounded on long runs: keep the most flagged
                self.audio_gaps_ns = Counter(dict(self.audio_gaps_ns.most_common(128)))
        if ctx.prompts:
            await self.deliver(list(ctx.prompts))
        return ctx


class DeviceSession:
    """One device behind the bridge: its MQTT frame source, its agent's chain run by the real-time
    pacer, and the sink that hands prompts to the bridge."""
    def __init__(self, device_id: str, agent: Any, clock: Any, deliver: Callable[[str, list[Any]], Awaitable[None]],
                 tick_hz: float = 10.0) -> None:
        self.device_id = device_id
        self.agent = agent
        self.source = MqttDeviceSource(device_id)
        self.sink = PromptSink(lambda prompts: deliver(device_id, prompts))
        self.pipeline = Pipeline(list(agent.stages()) + [self.sink], clock=clock, tick_hz=tick_hz)
        self.pacer = RealtimePacer(self.pipeline)
        self.state = "unknown"  # online / offline from the status topic
        self.status: dict[str, Any] = {}
        self.messages: Counter = Counter()  # topic name -> messages accepted
        self.rejected: Counter = Counter()  # error code -> messages refused
        self.task: asyncio.Task | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=f"pipeline-{self.device_id}")

    async def _run(self) -> None:
        try:
            await self.pacer.run(live=[self.source])
        except Exception:  # one device's failing agent must not take the others down
            log.exception("pipeline of device %s failed", self.device_id)

    async def stop(self) -> None:
        self.pacer.stop()
        if self.task is not None:
            # asyncio.wait, not wait_for: a pipeline slow to wind down is cancelled, never waited on forever.
            done, _ = await asyncio.wait({self.task}, timeout=10)
            if not done:
                log.warning("pipeline of device %s did not stop within 10 s; cancelled", self.device_id)
                self.task.cancel()
        self.agent.close()

    def summary(self) -> dict[str, Any]:
        s = self.pipeline.summary
        return {
            "state": self.state,
            "messages": dict(sorted(self.messages.items())),
            "rejected": dict(sorted(self.rejected.items())),
            "ticks_processed": s.ticks_processed,
            "ticks_dropped": s.ticks_dropped,
            "seq_gaps": dict(sorted(self.pipeline.sync.stats.seq_gaps.items())),
            "audio_gap_ticks": self.sink.audio_gap_ticks,
            "channels": {n: ch.stats.as_dict() for n, ch in self.pipeline.channels.items()},
        }
