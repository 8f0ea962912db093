"""A live camera through OpenCV: a device index, a video file, or a URL (e.g. MJPEG over HTTP).

Frames are read on the source's own thread and stamped with the pipeline clock at capture.
`VideoCapture.read()` can block forever on a stream that stopped sending, so a second thread
watches the time since the last frame: past `read_timeout_s` it reports a `stream_error` event and
an end of stream, and the blocked reader is abandoned (it exits when its read finally returns).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from streams.errors import SourceError
from streams.frames import EndOfStream, Event, VideoFrame
from streams.sources.base import Emit


@dataclass
class CameraStats:
    """What a camera source has seen: frames, read failures, frames skipped to keep its rate."""

    frames: int = 0
    read_failures: int = 0
    skipped_for_rate: int = 0


class CameraSource:
    """A live camera through OpenCV (device index, file or MJPEG URL), stamped at capture."""

    def __init__(
        self,
        src: str | int,
        *,
        name: str = "camera",
        read_timeout_s: float = 2.0,
        max_fps: float | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> None:
        self.src = int(src) if isinstance(src, str) and src.isdigit() else src
        self.name = name
        self.read_timeout_s = read_timeout_s
        self.min_interval_ns = int(1e9 / max_fps) if max_fps else 0
        self.size = (width, height)
        self.stats = CameraStats()
        self._stop = threading.Event()
        self._ended = threading.Event()
        self._lock = threading.Lock()
        self._cap = None
        self._threads: list[threading.Thread] = []

    def _open(self):
        import cv2

        # FFmpeg's timeout fires as a WARN line on stderr; we report it ourselves, once.
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
        timeout_ms = int(self.read_timeout_s * 1000)
        if isinstance(self.src, int):
            cap = cv2.VideoCapture(self.src)
        else:
            # FFmpeg honours open/read timeouts, so a dead URL fails instead of hanging.
            params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms]
            cap = cv2.VideoCapture(self.src, cv2.CAP_FFMPEG, params)
        if not cap.isOpened():
            cap.release()
            hint = "is the device connected?" if isinstance(self.src, int) else "is the path or URL right and the stream up?"
            raise SourceError(f"camera {self.src!r}: cannot open ({hint})")
        w, h = self.size
        if w:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, w)
        if h:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, h)
        return cap

    def start(self, emit: Emit, now_ns: Callable[[], int]) -> None:
        self._cap = self._open()
        self._last_frame_mono = time.monotonic()
        reader = threading.Thread(target=self._read_loop, args=(emit, now_ns), name=f"camera-{self.name}", daemon=True)
        watchdog = threading.Thread(target=self._watch, args=(emit, now_ns), name=f"camera-{self.name}-watchdog", daemon=True)
        self._threads = [reader, watchdog]
        reader.start()
        watchdog.start()

    def _end(self, emit: Emit, now_ns: Callable[[], int], error: str = "") -> None:
        """Report the end once, whichever thread sees it first."""
        with self._lock:
            if self._ended.is_set():
                return
            self._ended.set()
        if error:
            emit(Event(t_ns=now_ns(), seq=self.stats.read_failures, source=self.name, name="stream_error",
                       data={"source": self.name, "error": error}))
        emit(EndOfStream(t_ns=now_ns(), seq=self.stats.frames, source=self.name, reason=error))

    def _read_loop(self, emit: Emit, now_ns: Callable[[], int]) -> None:
        import cv2

        cap, seq, last_emit_ns = self._cap, 0, None
        while not self._stop.is_set() and not self._ended.is_set():
            ok, bgr = cap.read()
            t_ns = now_ns()  # stamp at capture, before any conversion work
            if self._stop.is_set() or self._ended.is_set():
                break
            if not ok:
                self.stats.read_failures += 1
                if isinstance(self.src, str) and not self.src.startswith(("http", "rtsp", "udp", "tcp")):
                    self._end(emit, now_ns)  # a file simply ended
                else:
                    self._end(emit, now_ns, f"camera {self.src!r}: the stream stopped delivering frames")
                break
            self._last_frame_mono = time.monotonic()
            if self.min_interval_ns and last_emit_ns is not None and t_ns - last_emit_ns < self.min_interval_ns:
                self.stats.skipped_for_rate += 1
                continue
            last_emit_ns = t_ns
            rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            emit(VideoFrame(t_ns=t_ns, seq=seq, source=self.name, image=rgb))
            self.stats.frames += 1
            seq += 1

    def _watch(self, emit: Emit, now_ns: Callable[[], int]) -> None:
        while not self._stop.wait(min(0.05, self.read_timeout_s / 4)):
            if self._ended.is_set():
                return
            if time.monotonic() - self._last_frame_mono > self.read_timeout_s:
                self._end(emit, now_ns, f"camera {self.src!r}: no frame for {self.read_timeout_s:g} s (read timeout)")
                return

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout=0.2)  # a reader blocked in read() is a daemon: it is abandoned
        if self._cap is not None and not any(t.is_alive() for t in self._threads[:1]):
            self._cap.release()
            self._cap = None
