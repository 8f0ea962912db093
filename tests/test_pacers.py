"""The tick core and its pacers: one iterator of ticks, paced three ways.

- The tick core pulls exactly the ticks of a push-based lock-step replay, frames entering in the
  same order against the ticks (what a recorder writing frames and prompts relies on).
- The interactive pacer (the simulator's) keeps a wall clock a person drives: nothing moves while
  paused, ticks come when they are due at the chosen speed, and a producer that falls behind is
  asked for the newest due tick, the skipped ones counted by the tick core.
Wall time here is a ManualClock: the tests say "half a second passes", they never sleep to wait.
"""

from __future__ import annotations

import threading

import numpy as np

from streams.clock import ManualClock
from streams.frames import NS_PER_S, TruthEvent
from streams.pacers import InteractivePacer
from streams.stages import FunctionStage
from streams.testing import FrameList, run_test
from streams.ticks import TickStream
from tests.support.small_scene import camera_and_mic



def scene(seconds: float = 2.0) -> list:
    """The usual camera + microphone scene with one ground-truth event, in stamp order."""
    frames = camera_and_mic(seconds)
    frames.append(TruthEvent(t_ns=NS_PER_S // 2, seq=0, source="truth", name="door", data={}))
    return sorted(frames, key=lambda f: (f.t_ns, f.source))


def test_the_tick_core_pulls_the_ticks_of_a_lockstep_replay_and_sees_frames_in_its_order():
    events: list[str] = []
    stream = TickStream(FrameList(scene()), on_frame=lambda f: events.append(f"{f.source}@{f.t_ns}"))
    pulled = []
    for tick in stream:
        events.append(f"tick@{tick.t_ns}")
        pulled.append(tick)
    pushed_events: list[str] = []
    result = run_test(FrameList(scene()), [FunctionStage(lambda t: pushed_events.append(f"tick@{t.t_ns}"), name="n")],
                      on_frame=lambda f: pushed_events.append(f"{f.source}@{f.t_ns}"))
    assert [t.t_ns for t in pulled] == [t.t_ns for t in result.ticks]
    assert all(np.array_equal(a.audio, b.audio) and [f.seq for f in a.video] == [f.seq for f in b.video]
               for a, b in zip(pulled, result.ticks))
    assert events == pushed_events  # frames and ticks interleaved exactly as a push-based replay has them


def test_the_tick_core_seeks_and_skips_counting_what_it_skipped():
    stream = TickStream(FrameList(scene()))
    first = stream.next_tick()
    assert first is not None and first.t_ns == NS_PER_S // 10
    tick = stream.next_tick(not_before_ns=first.t_ns + 5 * NS_PER_S // 10)  # four due ticks skipped
    assert tick.t_ns == first.t_ns + 5 * NS_PER_S // 10 and stream.dropped == 4
    stream.seek(first.t_ns + 12 * NS_PER_S // 10)
    assert stream.next_tick().t_ns == first.t_ns + 12 * NS_PER_S // 10


class Produced:
    """What the pacer produced, and a way to wait until it has (the pacer runs its own thread)."""

    def __init__(self, stream: TickStream) -> None:
        self.stream = stream
        self.ticks: list[int] = []
        self.cv = threading.Condition()
        self.ended = threading.Event()

    def produce(self, not_before_ns):  # noqa: ANN001, ANN201
        return self.stream.next_tick(not_before_ns)

    def on_tick(self, tick) -> None:  # noqa: ANN001
        with self.cv:
            self.ticks.append(tick.t_ns)
            self.cv.notify_all()


def _pacer(playing: bool, speed: float = 1.0) -> tuple[InteractivePacer, Produced, ManualClock]:
    clock = ManualClock()
    produced = Produced(TickStream(FrameList(scene())))
    pacer = InteractivePacer(produced.produce, produced.stream, on_tick=produced.on_tick, on_end=produced.ended.set,
                             on_error=lambda err: None, clock=clock, speed=speed, playing=playing)
    return pacer, produced, clock


def _settle(pacer: InteractivePacer) -> None:
    pacer.poke()
    for _ in range(200):
        if pacer.idle.wait(5) and not pacer._commands:  # noqa: SLF001 - the test's own view of the queue
            return


def test_paused_nothing_moves_and_a_step_is_one_tick():
    pacer, produced, clock = _pacer(playing=False)
    pacer.start()
    try:
        clock.advance(3.0)
        _settle(pacer)
        assert produced.ticks == []
        assert pacer.call(produced.produce, None).result(5).t_ns == NS_PER_S // 10
    finally:
        pacer.stop()


def test_playing_ticks_come_when_due_at_the_speed_and_a_late_producer_skips_to_the_newest():
    pacer, produced, clock = _pacer(playing=True, speed=2.0)
    pacer.start()
    try:
        _settle(pacer)
        assert produced.ticks == [NS_PER_S // 10]  # the first tick anchors the clock
        clock.advance(0.05)  # at 2x, 0.05 s of wall time is one tick of stream
        _settle(pacer)
        assert produced.ticks == [NS_PER_S // 10, 2 * NS_PER_S // 10]
        clock.advance(0.5)  # ten ticks due at once: the producer is asked for those within a tick of now
        _settle(pacer)
        assert produced.ticks[-2:] == [11 * NS_PER_S // 10, 12 * NS_PER_S // 10]
        assert produced.stream.dropped == 8  # 0.3 .. 1.0 s: skipped, and counted
        pacer.set_state(playing=False)
        clock.advance(1.0)
        _settle(pacer)
        assert produced.ticks[-1] == 12 * NS_PER_S // 10  # paused: nothing more
    finally:
        pacer.stop()
