"""The real-time pacer: live devices, or a replay at a wall-clock speed; drops to stay current.

Producers put frames into policy channels (video latest-wins, audio lossless-bounded), pumps move
them into the runner's synchroniser, a ticker assembles each tick once the clock passes it plus a
jitter allowance, and the stage runner takes ticks from a latest-wins channel, so a slow stage
skips stale ticks (counted in the summary's `ticks_dropped`) instead of falling behind. All tasks
run in one TaskGroup: end of stream and Ctrl-C shut down cleanly; a failing stage or source stops
the run with a `PipelineError` that names it. The firmware bridge runs one per device.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from streams.channels import Channel, ChannelClosed, Policy, audio_channel, video_channel
from streams.clock import RealClock, VirtualClock
from streams.errors import StreamError
from streams.frames import AudioChunk, EndOfStream, Frame, VideoFrame
from streams.runner import RunSummary, TickRunner
from streams.sources.base import FrameSource, LiveSource


class RealtimePacer:
    """Runs a `TickRunner` on a real clock, from live sources and/or a replay played in real time."""

    def __init__(self, runner: TickRunner) -> None:
        self.runner = runner

    def stop(self) -> None:
        """End the run at the next opportunity."""
        self.runner.stop()

    async def run(
        self,
        *,
        replay: FrameSource | None = None,
        live: Iterable[LiveSource] = (),
        duration_s: float | None = None,
    ) -> RunSummary:
        live = list(live)
        if replay is None and not live:
            raise ValueError("nothing to run: give a replay source or live sources")
        r = self.runner
        clock = r.clock
        if isinstance(clock, VirtualClock):
            raise ValueError("paced runs need a real clock")
        loop = asyncio.get_running_loop()
        now = clock.now_ns
        r.channels = {
            "video": video_channel(now_ns=now, maxsize=2),
            "audio": audio_channel(now_ns=now),
            "other": Channel("other", Policy.LOSSLESS, 1024, now_ns=now),
            "ticks": Channel("ticks", Policy.LATEST_WINS, 1, now_ns=now),
        }
        for ch in r.channels.values():
            ch.bind_loop(loop)
        ended: set[str] = set()
        expected_ends = len(live) + (1 if replay is not None else 0)
        producers_done = asyncio.Event()

        def route(frame: Frame) -> Channel:
            if isinstance(frame, VideoFrame):
                return r.channels["video"]
            if isinstance(frame, AudioChunk):
                return r.channels["audio"]
            return r.channels["other"]

        def emit_from_thread(frame: Frame) -> None:
            route(frame).put_threadsafe(frame)

        async def feed_replay() -> None:
            assert replay is not None
            first = True
            for frame in replay.frames():
                if first and isinstance(clock, RealClock):
                    clock.rebase(frame.t_ns)  # stream time of the first frame is "now"
                    first = False
                await clock.sleep_until(frame.t_ns)
                if r.stopping.is_set():
                    break
                if isinstance(frame, VideoFrame):
                    route(frame).put_nowait(frame)  # latest-wins: a slow pump sees the newest frame
                else:
                    await route(frame).put(frame)
            await r.channels["other"].put(EndOfStream(t_ns=clock.now_ns(), seq=0, source="replay"))

        async def pump(ch: Channel) -> None:
            async for frame in ch:
                if isinstance(frame, EndOfStream):
                    ended.add(f"{frame.source}#{len(ended)}")
                    if len(ended) >= expected_ends:
                        producers_done.set()
                    continue
                r.note_frame(frame)
                r.sync.add(frame)

        async def ticker() -> None:
            while True:
                if r.stopping.is_set() or producers_done.is_set():
                    break
                due = r.sync.next_tick_ns
                if due is None:
                    await _wait_any(r.stopping, producers_done, timeout=0.02)
                    continue
                await clock.sleep_until(due + r.jitter_ns)
                for tick in r.sync.ticks_due(clock.now_ns() - r.jitter_ns):
                    r.channels["ticks"].put_nowait(tick)  # type: ignore[arg-type]
            if r.summary.last_ns is not None:
                for tick in r.sync.ticks_due(r.summary.last_ns):
                    await r.channels["ticks"].put(tick)  # type: ignore[arg-type]
            r.channels["ticks"].close()

        async def run_stages() -> None:
            async for tick in r.channels["ticks"]:
                await r.process_tick(tick)  # type: ignore[arg-type]

        async def stop_after(seconds: float) -> None:
            await asyncio.sleep(seconds)
            r.stop()

        async def watch_stop() -> None:
            await _wait_any(r.stopping, producers_done)
            for name in ("video", "audio", "other"):
                r.channels[name].close()

        wall_start = time.perf_counter()
        await r.start_stages()
        try:
            for src in live:
                src.start(emit_from_thread, now)
            async with asyncio.TaskGroup() as tg:
                if replay is not None:
                    tg.create_task(feed_replay(), name="replay")
                for name in ("video", "audio", "other"):
                    tg.create_task(pump(r.channels[name]), name=f"pump-{name}")
                tg.create_task(ticker(), name="ticker")
                runner = tg.create_task(run_stages(), name="stages")
                watcher = tg.create_task(watch_stop(), name="watch-stop")
                timer = tg.create_task(stop_after(duration_s), name="duration") if duration_s else None
                await runner
                # The stage runner ends only after the ticker has flushed: close the inputs so
                # the pumps finish too, whichever of the stop conditions came first.
                for name in ("video", "audio", "other"):
                    r.channels[name].close()
                watcher.cancel()
                if timer is not None:
                    timer.cancel()
        except* StreamError as group:
            raise group.exceptions[0] from None
        except* ChannelClosed:
            pass
        finally:
            for src in live:
                src.stop()
            await r.stop_stages()
        r.summary.ticks_dropped = r.channels["ticks"].stats.dropped
        return r.finish(wall_start)


async def _wait_any(*events: asyncio.Event, timeout: float | None = None) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
