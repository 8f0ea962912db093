"""A stand-in live camera: MJPEG over HTTP (multipart/x-mixed-replace) on 127.0.0.1."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np

BOUNDARY = b"frameboundary"


def test_pattern(i: int, width: int = 160, height: int = 120) -> bytes:
    img = np.zeros((height, width, 3), np.uint8)
    img[:, :] = (40, 40, 40)
    x = (i * 7) % (width - 20)
    cv2.rectangle(img, (x, 40), (x + 20, 60), (0, 0, 255), -1)
    ok, jpeg = cv2.imencode(".jpg", img)
    assert ok
    return jpeg.tobytes()


class MjpegServer:
    """Serves `frames` JPEGs at `fps`; `stall()` stops sending without closing (a frozen camera)."""

    def __init__(self, fps: float = 30.0, frames: int = 10_000) -> None:
        self.fps, self.frames = fps, frames
        self.stalled = threading.Event()
        self.closed = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY.decode()}")
                self.end_headers()
                for i in range(server.frames):
                    if server.closed.is_set():
                        return
                    if server.stalled.is_set():
                        server.closed.wait()  # hold the connection open, send nothing
                        return
                    jpeg = test_pattern(i)
                    try:
                        self.wfile.write(b"--" + BOUNDARY + b"\r\nContent-Type: image/jpeg\r\n")
                        self.wfile.write(f"Content-Length: {len(jpeg)}\r\n\r\n".encode() + jpeg + b"\r\n")
                        self.wfile.flush()
                    except (BrokenPipeError, ConnectionResetError):
                        return
                    server.closed.wait(1.0 / server.fps)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/stream.mjpg"

    def __enter__(self) -> "MjpegServer":
        self.thread.start()
        return self

    def stall(self) -> None:
        self.stalled.set()

    def __exit__(self, *exc) -> None:
        self.closed.set()
        self.httpd.shutdown()
        self.httpd.server_close()
