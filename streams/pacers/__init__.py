"""Pacers: when each tick happens. One tick core (streams.ticks, streams.sync), three paces:

- `LockstepPacer`: as fast as possible, deterministic (replay at --speed max, tests, scoring).
- `RealtimePacer`: on a real clock, drops stale ticks to stay current (live devices, the bridge's
  per-device sessions, replay at --speed X).
- `InteractivePacer`: on a wall clock a person drives: pause, step, seek, speed (the simulator).
"""

from streams.pacers.interactive import NO_TICK_YET, InteractivePacer
from streams.pacers.lockstep import LockstepPacer
from streams.pacers.realtime import RealtimePacer

__all__ = ["NO_TICK_YET", "InteractivePacer", "LockstepPacer", "RealtimePacer"]
