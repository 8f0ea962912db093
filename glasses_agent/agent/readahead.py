"""Read a recording ahead on a thread, so decoding overlaps the agent's ticks in a lock-step replay.

    source = ReadAhead(open_replay(path))     # same frames, same order; decoded while ticks run

A lock-step replay decodes the frames of the next tick only after the last tick's chain is done:
on the gopro clip that is 315 JPEG decodes (848x480, ~1.2 ms each) plus the MCAP parsing, all
on the loop's thread between ticks. Here a thread decodes up to `depth` frames ahead (OpenCV
releases the GIL while it decodes), and the pipeline takes them in the source's own order, so
the replay stays deterministic. An error in the source is raised where the frame would have been.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

from streams.frames import Frame

DEPTH = 64  # frames (video, audio, IMU alike): about 8 decoded camera frames of the gopro clip
_END = object()


class ReadAhead:
    def __init__(self, source: Any, depth: int = DEPTH) -> None:
        self.source = source
        self.depth = max(1, depth)

    def describe(self) -> dict[str, Any]:
        return self.source.describe()

    def __getattr__(self, name: str) -> Any:  # the wrapped source's other attributes (path, ...)
        return getattr(self.source, name)

    def frames(self) -> Iterator[Frame]:
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
            try:
                for frame in self.source.frames():
                    if not put(frame):
                        return
                put(_END)
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
