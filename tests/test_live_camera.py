"""The live camera path against a stand-in live camera: MJPEG over HTTP on 127.0.0.1."""

from __future__ import annotations

import queue
import threading
import time

import numpy as np
import pytest

from streams.errors import SourceError
from streams.frames import AudioChunk
from streams.sources.camera import CameraSource
from tests.support.mjpeg_server import MjpegServer


def take(q: queue.Queue, n: int, timeout: float = 10.0) -> list:
    return [q.get(timeout=timeout) for _ in range(n)]


@pytest.mark.live
def test_reads_stamped_frames_from_an_http_mjpeg_camera():
    q: queue.Queue = queue.Queue()
    with MjpegServer(fps=30) as server:
        cam = CameraSource(server.url, read_timeout_s=2.0)
        cam.start(q.put, time.monotonic_ns)
        try:
            frames = take(q, 15)
        finally:
            cam.stop()
    assert [f.seq for f in frames] == list(range(15))
    assert all(f.kind == "video" and f.image.shape == (120, 160, 3) for f in frames)
    stamps = [f.t_ns for f in frames]
    assert stamps == sorted(stamps) and len(set(stamps)) == 15
    red = frames[0].image[50, (0 * 7) + 10]
    assert red[0] > 200 and red[2] < 60, "frames arrive as RGB"


@pytest.mark.live
def test_a_stalled_stream_is_reported_within_the_read_timeout_while_audio_goes_on():
    q: queue.Queue = queue.Queue()
    stop_audio = threading.Event()

    def audio_device():  # a second live source on its own thread, as the microphone is
        seq = 0
        while not stop_audio.wait(0.01):
            q.put(AudioChunk(t_ns=time.monotonic_ns(), seq=seq, source="mic", samples=np.zeros(160, np.int16)))
            seq += 1

    with MjpegServer(fps=30) as server:
        cam = CameraSource(server.url, read_timeout_s=1.0)
        cam.start(q.put, time.monotonic_ns)
        audio = threading.Thread(target=audio_device, daemon=True)
        audio.start()
        try:
            while q.get(timeout=10).kind != "video":
                pass
            server.stall()
            stalled_at = time.monotonic()
            seen = []
            while not any(f.kind == "eos" for f in seen):
                seen.append(q.get(timeout=10))
            reported_after = time.monotonic() - stalled_at
            after_eos = take(q, 5)  # audio keeps flowing after the camera died
        finally:
            stop_audio.set()
            cam.stop()
    errors = [f for f in seen if f.kind == "event" and f.name == "stream_error"]
    assert len(errors) == 1 and "stopped delivering" in errors[0].data["error"] or "no frame" in errors[0].data["error"]
    assert reported_after < 1.0 + 1.5
    assert all(f.kind == "audio" for f in after_eos)


def test_an_unreachable_camera_is_one_clear_line():
    cam = CameraSource("http://127.0.0.1:9/nothing.mjpg", read_timeout_s=0.5)
    with pytest.raises(SourceError, match=r"^camera 'http://127.0.0.1:9/nothing.mjpg': cannot open") as err:
        cam.start(lambda f: None, time.monotonic_ns)
    assert "\n" not in str(err.value)
