"""Real backgrounds for made-up pairs: a segment of a real clip, resampled to the pair's frame rate,
and the camera path a view window takes over it (the clip's own camera, or a synthetic pan).

A synthetic pan is made by cutting a moving view window out of a larger canvas (the clip's frames
scaled up to `PAN_CANVAS` times the view); the clip's own motion, if any, stays under it. The camera
motion a clip has of its own is measured (phase correlation between consecutive frames), so the
manifest can say which pairs move and by how much.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

PAN_CANVAS = 1.6  # canvas side / view side for synthetic pans: room for the window to move


class BackgroundError(ValueError):
    """A background clip that cannot be used (unreadable, no video, too few frames)."""


@dataclass(frozen=True)
class ClipInfo:
    """A background clip's path, length in seconds and frame rate."""
    path: Path
    seconds: float
    fps: float


def probe_clip(path: Path) -> ClipInfo:
    """Duration and frame rate of a clip's first video track."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise BackgroundError(f"{path}: no video track")
            stream = container.streams.video[0]
            rate = float(stream.average_rate or stream.guessed_rate or 0) or 30.0
            if stream.duration is not None and stream.time_base is not None:
                seconds = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                seconds = container.duration / 1_000_000
            else:
                seconds = (stream.frames or 0) / rate
    except (av.FFmpegError, OSError) as err:
        raise BackgroundError(f"{path}: not a readable video ({err})") from None
    if seconds <= 0:
        raise BackgroundError(f"{path}: empty video")
    return ClipInfo(Path(path), seconds, rate)


def decode_frames(path: Path, start_s: float, seconds: float) -> list[tuple[float, np.ndarray]]:
    """(time, RGB frame) for the frames of [start_s, start_s + seconds], decoded in order."""
    import av

    out: list[tuple[float, np.ndarray]] = []
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            first: float | None = None
            for frame in container.decode(stream):
                t = float(frame.time) if frame.time is not None else len(out) / 30.0
                first = t if first is None else first
                t -= first
                if t < start_s - 1e-6:
                    continue
                if t > start_s + seconds + 1e-6:
                    break
                out.append((t - start_s, frame.to_ndarray(format="rgb24")))
    except (av.FFmpegError, OSError) as err:
        raise BackgroundError(f"{path}: decoding failed ({err})") from None
    if not out:
        raise BackgroundError(f"{path}: no frames in [{start_s:.2f}, {start_s + seconds:.2f}] s")
    return out


def sample_frames(path: Path, times: list[float]) -> list[tuple[float, np.ndarray]]:
    """The frames nearest to each of `times` (seconds from the clip's start), decoded in one pass that
    keeps only those frames."""
    import av

    wanted = sorted(times)
    out: list[tuple[float, np.ndarray]] = []
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            first: float | None = None
            for frame in container.decode(stream):
                if not wanted:
                    break
                t = float(frame.time) if frame.time is not None else 0.0
                first = t if first is None else first
                if t - first >= wanted[0] - 1e-6:
                    out.append((t - first, frame.to_ndarray(format="rgb24")))
                    while wanted and t - first >= wanted[0] - 1e-6:
                        wanted.pop(0)
    except (av.FFmpegError, OSError) as err:
        raise BackgroundError(f"{path}: decoding failed ({err})") from None
    if not out:
        raise BackgroundError(f"{path}: no frames at {times}")
    return out


def cover(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """`image` scaled to cover width x height, centre-cropped to it."""
    h, w = image.shape[:2]
    scale = max(width / w, height / h)
    sw, sh = max(width, round(w * scale)), max(height, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    scaled = cv2.resize(image, (sw, sh), interpolation=interp)
    x0, y0 = (sw - width) // 2, (sh - height) // 2
    return np.ascontiguousarray(scaled[y0:y0 + height, x0:x0 + width])


def background_frames(path: Path, start_s: float, seconds: float, fps: float,
                      canvas: tuple[int, int]) -> list[np.ndarray]:
    """The clip from `start_s` as `seconds * fps` canvas-sized frames; a clip shorter than that plays
    forth and back (so there is no cut), as the voe_dev set does."""
    frames = decode_frames(path, start_s, seconds)
    times = np.array([t for t, _ in frames])
    span = times[-1] if len(times) > 1 else 0.0
    n = int(round(seconds * fps))
    out = []
    cache: dict[int, np.ndarray] = {}
    for k in range(n):
        t = k / fps
        if span > 0 and t > span:  # forth and back over the available span
            period = 2 * span
            t = t % period
            t = period - t if t > span else t
        i = int(np.argmin(np.abs(times - t)))
        if i not in cache:
            cache[i] = cover(frames[i][1], *canvas)
        out.append(cache[i])
    return out


def measured_motion(frames: list[np.ndarray], fps: float) -> float:
    """The clip's own camera motion: median global shift between consecutive frames, in view pixels a
    second (phase correlation on 160-px-wide grey frames, scaled back)."""
    if len(frames) < 2:
        return 0.0
    w = frames[0].shape[1]
    scale = w / 160.0
    prev = None
    shifts = []
    for img in frames[:: max(1, len(frames) // 30)]:
        grey = cv2.resize(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), (160, max(1, round(img.shape[0] / scale))),
                          interpolation=cv2.INTER_AREA).astype(np.float32)
        if prev is not None:
            (dx, dy), _ = cv2.phaseCorrelate(prev, grey)
            shifts.append(np.hypot(dx, dy) * scale)
        prev = grey
    step = max(1, len(frames) // 30)
    return float(np.median(shifts) * fps / step) if shifts else 0.0


def _ease(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3 - 2 * u)


def still_window(n: int) -> np.ndarray:
    """The view is the whole canvas: window origin (0, 0) on every frame."""
    return np.zeros((n, 2))


def pan_window(rng: np.random.Generator, n: int, room: tuple[int, int]) -> tuple[np.ndarray, dict]:
    """A smooth pan across part of the canvas room (eased start and stop, a small wobble)."""
    rx, ry = room
    start = np.array([rng.uniform(0, rx), rng.uniform(0, ry)])
    end = np.array([rng.uniform(0, rx), rng.uniform(0, ry)])
    if np.hypot(*(end - start)) < 0.35 * rx:  # make it a pan, not a tremor
        end[0] = rx - start[0] if start[0] < rx / 2 else 0.0
    u = _ease(np.linspace(0, 1, n))
    wobble = rng.uniform(2, 6) * np.sin(np.linspace(0, rng.uniform(3, 8), n) + rng.uniform(0, 6.3))
    path = start[None, :] + (end - start)[None, :] * u[:, None]
    path[:, 1] += wobble
    path = np.clip(path, [0, 0], [rx, ry])
    return path, {"kind": "synthetic_pan", "from": [round(float(v), 1) for v in start],
                  "to": [round(float(v), 1) for v in end]}


def away_and_back_window(n: int, fps: float, start_x: float, away_x: float, y: float,
                         times: tuple[float, float, float, float]) -> tuple[np.ndarray, dict]:
    """The view pans from `start_x` to `away_x` between times[0] and times[1], holds, and pans back
    between times[2] and times[3] (seconds)."""
    t = np.arange(n) / fps
    a0, a1, b0, b1 = times
    go = _ease((t - a0) / (a1 - a0))
    back = _ease((t - b0) / (b1 - b0))
    x = start_x + (away_x - start_x) * (go - back)
    path = np.stack([x, np.full(n, y)], axis=1)
    return path, {"kind": "synthetic_pan", "away_and_back": True, "from": [round(start_x, 1), round(y, 1)],
                  "away": [round(away_x, 1), round(y, 1)], "times_s": [round(v, 2) for v in times]}
