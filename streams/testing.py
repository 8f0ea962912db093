"""A test author's kit: push a recording, a source or a list of frames through stages on the
virtual clock and get back what came out, in a few lines.

    result = run_test([frame1, frame2, ...], [MyStage()])
    assert result.outputs["my-stage"][0] == ...

Runs are lock-step, so they are deterministic: the same input always gives the same outputs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streams.clock import VirtualClock
from streams.frames import Frame
from streams.pipeline import Pipeline, RunSummary
from streams.sources.base import FrameSource, frame_order_key
from streams.stages import Stage
from streams.sync import Tick


class FrameList:
    """A list of frames as a `FrameSource` (sorted into stamp order, as a recording would be)."""

    def __init__(self, frames: Iterable[Frame]) -> None:
        self._frames = sorted(frames, key=frame_order_key)

    def frames(self) -> Iterator[Frame]:
        return iter(self._frames)

    def describe(self) -> dict[str, Any]:
        return {"frames": len(self._frames)}


class _Capture(Stage):
    """Records what the stage before it produced, under that stage's name."""

    def __init__(self, sink: list[Any]) -> None:
        super().__init__()
        self.name = "capture"
        self.sink = sink

    async def process(self, item: Any) -> Any:
        self.sink.append(item)
        return item


@dataclass
class TestRun:
    """What `run_test` returns: the ticks, each stage's outputs by name, and the run's summary."""

    __test__ = False  # not a pytest test class

    ticks: list[Tick]
    outputs: dict[str, list[Any]] = field(default_factory=dict)
    summary: RunSummary | None = None


def _as_source(source: FrameSource | Iterable[Frame] | str | Path) -> FrameSource:
    if isinstance(source, (str, Path)):
        from streams.recording import McapReplaySource

        return McapReplaySource(source)
    if hasattr(source, "frames") and hasattr(source, "describe"):
        return source  # type: ignore[return-value]
    return FrameList(source)  # type: ignore[arg-type]


async def arun_test(
    source: FrameSource | Iterable[Frame] | str | Path,
    stages: Iterable[Stage] = (),
    **pipeline_options: Any,
) -> TestRun:
    """Async form of `run_test`, for tests already inside an event loop."""
    ticks: list[Tick] = []
    outputs: dict[str, list[Any]] = {}
    chain: list[Stage] = [_Capture(ticks)]
    for stage in stages:
        chain.append(stage)
        chain.append(_Capture(outputs.setdefault(stage.name, [])))
    pipeline = Pipeline(chain, clock=VirtualClock(), **pipeline_options)
    summary = await pipeline.run_lockstep(_as_source(source))
    return TestRun(ticks=ticks, outputs=outputs, summary=summary)


def run_test(
    source: FrameSource | Iterable[Frame] | str | Path,
    stages: Iterable[Stage] = (),
    **pipeline_options: Any,
) -> TestRun:
    """Replay `source` (frames, a FrameSource, or an MCAP path) through `stages`, lock-step."""
    return asyncio.run(arun_test(source, stages, **pipeline_options))
