"""The lock-step pacer: every tick of a replayable source, as fast as the stages allow.

Ticks come from the tick core (streams.ticks.TickStream) on a virtual clock that moves to each
frame's stamp; each tick runs through all stages to completion before the next is pulled.
Nothing is dropped and no result depends on how fast a stage was, so the same recording always
gives the same outputs.
"""

from __future__ import annotations

import time

from streams.clock import VirtualClock
from streams.runner import RunSummary, TickRunner
from streams.sources.base import FrameSource
from streams.ticks import TickStream


class LockstepPacer:
    """Runs a `TickRunner` over a source, deterministically (`glasses-agent replay --speed max`)."""

    def __init__(self, runner: TickRunner) -> None:
        if not isinstance(runner.clock, VirtualClock):
            raise ValueError("lock-step runs need a VirtualClock")
        self.runner = runner

    def ticks(self, source: FrameSource) -> TickStream:
        """The tick core over `source`, sharing the runner's synchroniser, clock and frame count."""
        r = self.runner
        return TickStream(
            source, tick_hz=r.tick_hz, video_frames=r.video_frames, audio_window_s=r.audio_window_s,
            sample_rate=r.sample_rate, on_frame=r.note_frame, clock=r.clock, sync=r.sync,  # type: ignore[arg-type]
        )

    async def run(self, source: FrameSource) -> RunSummary:
        r = self.runner
        wall_start = time.perf_counter()
        await r.start_stages()
        try:
            stream = self.ticks(source)
            while True:
                if r.stopping.is_set():
                    stream.end()  # read no further; what is already read still makes its ticks
                if (tick := stream.next_tick()) is None:
                    break
                await r.process_tick(tick)
        finally:
            await r.stop_stages()
        return r.finish(wall_start)
