"""What a source is.

Two shapes, because they differ in who owns time:
- `FrameSource`: finite and replayable (a media file, a recording, the synthetic source). Frames come
  out in non-decreasing `t_ns`; the pipeline paces them on its clock.
- `LiveSource`: a device (camera, microphone) that produces frames on its own threads, stamped at
  capture with the pipeline clock's `now_ns`, and hands them to a thread-safe `emit`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from streams.frames import Frame

Emit = Callable[[Frame], None]


class FrameSource(Protocol):
    """A source read front to back in stamp order (files, recordings, generated scenes)."""

    def frames(self) -> Iterator[Frame]:
        """Every frame of the source, ordered by `t_ns` (ties broken by source name, then seq)."""
        ...

    def describe(self) -> dict[str, Any]:
        """Stream names, counts known up front, duration: for summaries and `info`."""
        ...


class LiveSource(Protocol):
    """A device that delivers frames from its own thread once started (camera, microphone)."""

    name: str

    def start(self, emit: Emit, now_ns: Callable[[], int]) -> None:
        """Open the device and start delivering frames to `emit` from the source's own thread."""
        ...

    def stop(self) -> None:
        """Stop delivering and release the device; idempotent."""
        ...


def frame_order_key(frame: Frame) -> tuple[int, str, int]:
    """Total order on frames so merges (and therefore replays) are deterministic."""
    return (frame.t_ns, frame.source, frame.seq)


def merge_by_time(streams: Iterable[Iterable[Frame]]) -> Iterator[Frame]:
    """Merge per-stream iterators, each already in time order, into one time-ordered stream."""
    return heapq.merge(*streams, key=frame_order_key)
