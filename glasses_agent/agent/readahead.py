"""Read a recording ahead on a thread, so decoding overlaps the agent's ticks in a lock-step replay.

    source = ReadAhead(open_replay(path), tick_hz=10)   # same frames, same order; decoded while ticks run

A lock-step replay decodes the frames of the next tick only after the last tick's chain is done:
on the gopro clip that is 315 JPEG decodes (848x480, ~1.2 ms each) plus the MCAP parsing, all
on the loop's thread between ticks. Here a thread decodes up to `depth` frames ahead (OpenCV
releases the GIL while it decodes), and the pipeline takes them in the source's own order, so
the replay stays deterministic. An error in the source is raised where the frame would have been.

A replay's camera frames stay JPEG until their pixels are read (`EncodedVideoFrame`), and the
agent reads only each tick's newest frame (the perception clip's instants are earlier ticks')
and the first: on the gopro clip 106 of 315 frames. With `tick_hz` this thread decodes those
ahead, on the tick grid the synchroniser will use (the first tick one tick after the first
frame); the rest are never decoded. Which frames it decodes changes no pixels, only where the decoding is done: a
frame it did not decode is decoded by its reader, and one that fails to decode fails there.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

from streams.errors import StreamError
from streams.frames import EncodedVideoFrame, EndOfStream, Frame, TruthEvent, VideoFrame
from streams.sources.base import FrameSource

DEPTH = 64  # frames (video, audio, IMU alike): about 8 decoded camera frames of the gopro clip
_END = object()


class ReadAhead:
    """A source whose frames are read (and the agent's video frames decoded) ahead on a thread: same
    frames, same order."""

    def __init__(self, source: FrameSource, depth: int = DEPTH, tick_hz: float | None = None) -> None:
        self.source = source
        self.depth = max(1, depth)
        self.tick_ns = int(round(1e9 / tick_hz)) if tick_hz else None

    def describe(self) -> dict[str, Any]:
        """The wrapped source's description."""
        return self.source.describe()

    def __getattr__(self, name: str) -> Any:  # the wrapped source's other attributes (path, ...)
        return getattr(self.source, name)

    def frames(self) -> Iterator[Frame]:
        """The source's frames in its order, read (and decoded) ahead on a thread."""
        items: queue.Queue = queue.Queue(maxsize=self.depth)
        stop = threading.Event()

        def put(item: Any) -> bool:
            while not stop.is_set():
                try:
                    items.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def read() -> None:
            newest = TickNewest(self.tick_ns)
            try:
                for frame in self.source.frames():
                    if not put(frame):
                        return
                    _decode(newest.after(frame))
                put(_END)
                _decode(newest.last())
            except BaseException as err:  # noqa: BLE001 - handed to the consumer, raised there
                put(err)

        thread = threading.Thread(target=read, name="read-ahead", daemon=True)
        thread.start()
        try:
            while True:
                item = items.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()  # the consumer stopped early (or finished): let the reader go
            thread.join(timeout=5.0)


class TickNewest:
    """Which video frames the agent will read, told as the frames go by in stamp order: each
    tick's newest, and the stream's first (the first ticks' clips reach back before the stream
    began and show it)."""

    def __init__(self, tick_ns: int | None) -> None:
        self.tick_ns = tick_ns
        self.first_ns: int | None = None
        self.pending: VideoFrame | None = None  # the newest video so far: a tick's, if one falls before the next
        self.first_video = True

    def after(self, frame: Frame) -> VideoFrame | None:
        """The previous video frame once `frame` shows it will be read, else None."""
        if self.tick_ns is None or isinstance(frame, (TruthEvent, EndOfStream)):  # the synchroniser skips these
            return None
        if self.first_ns is None:
            self.first_ns = frame.t_ns
        if not isinstance(frame, VideoFrame):
            return None
        if self.first_video:
            self.first_video = False
            self.pending = frame
            return frame
        done, self.pending = self.pending, frame
        # The first tick at or after the older frame (ticks start one tick after the first frame).
        k = max(1, -(-(done.t_ns - self.first_ns) // self.tick_ns))  # type: ignore[union-attr]
        return done if self.first_ns + k * self.tick_ns < frame.t_ns else None

    def last(self) -> VideoFrame | None:
        """The last video frame: the newest of every tick after it."""
        return self.pending if self.tick_ns is not None else None


def _decode(frame: VideoFrame | None) -> None:
    if isinstance(frame, EncodedVideoFrame) and not frame.decoded:
        try:
            frame.image  # noqa: B018 - decodes and keeps the pixels
        except StreamError:
            pass  # undecodable: its reader decodes it again and fails there, as without this thread
