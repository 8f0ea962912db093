"""Images as terminal cells: each cell shows two pixels, the upper as the foreground colour of
"▀" and the lower as its background. Pure numpy + Rich, deterministic (no terminal probing), so
snapshot tests of the camera pane are stable.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style

UPPER_HALF = "▀"


def fit(width_px: int, height_px: int, max_w: int, max_h: int) -> tuple[int, int]:
    """The largest (w, h) within (max_w, max_h) pixels that keeps the image's aspect ratio."""
    if width_px <= 0 or height_px <= 0 or max_w <= 0 or max_h <= 0:
        return 0, 0
    scale = min(max_w / width_px, max_h / height_px)
    return max(1, int(width_px * scale)), max(1, int(height_px * scale))


def resize_area(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Downscale by averaging (HxWx3 uint8): smoother than sampling, and neighbouring cells then
    share colours more often, which makes fewer distinct styles and segments to draw."""
    import cv2

    h, w = image.shape[:2]
    if width >= w or height >= h:
        return resize_nearest(image, width, height)
    return cv2.resize(np.ascontiguousarray(image), (width, height), interpolation=cv2.INTER_AREA)


def resize_nearest(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Nearest-neighbour resize (HxWx3 uint8); cheap enough for every tick on the UI thread."""
    h, w = image.shape[:2]
    rows = np.minimum((np.arange(height) + 0.5) * h / height, h - 1).astype(np.intp)
    cols = np.minimum((np.arange(width) + 0.5) * w / width, w - 1).astype(np.intp)
    return image[rows][:, cols]


@lru_cache(maxsize=65536)
def _color(packed: int) -> Color:
    return Color.from_rgb(packed >> 16, (packed >> 8) & 255, packed & 255)


@lru_cache(maxsize=65536)
def _style(top: int, bottom: int) -> Style:
    # Colours are packed 0xRRGGBB ints so the cache key is cheap; frames reuse most pairs.
    return Style(color=_color(top), bgcolor=_color(bottom))


def pack_rgb(image: np.ndarray, levels: int = 32) -> np.ndarray:
    """HxWx3 uint8 -> HxW int 0xRRGGBB, quantised to `levels` per channel (fewer distinct styles)."""
    step = 256 // levels
    q = (image.astype(np.int32) // step) * step + step // 2
    q = np.clip(q, 0, 255)
    return (q[..., 0] << 16) | (q[..., 1] << 8) | q[..., 2]


def halfblock_cells(image: np.ndarray) -> list[list[tuple[str, Style]]]:
    """An HxWx3 image (H even, else the last row is repeated) as H/2 rows of W (char, style) cells."""
    if image.shape[0] % 2:
        image = np.concatenate([image, image[-1:]], axis=0)
    packed = pack_rgb(image)
    return [
        [(UPPER_HALF, _style(t, b)) for t, b in zip(packed[y].tolist(), packed[y + 1].tolist())]
        for y in range(0, packed.shape[0], 2)
    ]


def to_segments(cells: list[tuple[str, Style]]) -> list[Segment]:
    """One row of cells as segments, runs of one style merged (fewer segments to draw)."""
    segments: list[Segment] = []
    run_style: Style | None = None
    run: list[str] = []
    for char, style in cells:
        if style is not run_style and run:
            segments.append(Segment("".join(run), run_style))
            run = []
        run_style = style
        run.append(char)
    if run:
        segments.append(Segment("".join(run), run_style))
    return segments


def halfblock_lines(image: np.ndarray) -> list[list[Segment]]:
    """Like `to_segments` over `halfblock_cells`, but finds runs of equal cells with numpy, so
    Python only loops over runs: the camera pane is redrawn every tick."""
    if image.shape[0] % 2:
        image = np.concatenate([image, image[-1:]], axis=0)
    packed = pack_rgb(image).astype(np.int64)
    keys = (packed[0::2] << 24) | packed[1::2]  # one int per cell: (top, bottom) colours
    lines = []
    for row in keys:
        starts = np.concatenate(([0], np.flatnonzero(np.diff(row)) + 1))
        lengths = np.diff(np.concatenate((starts, [len(row)])))
        lines.append([
            Segment(UPPER_HALF * n, _style(k >> 24, k & 0xFFFFFF))
            for n, k in zip(lengths.tolist(), row[starts].tolist())
        ])
    return lines


def draw_box(image: np.ndarray, box: tuple[float, float, float, float], color: tuple[int, int, int]) -> None:
    """Outline a box given as fractions (x, y, w, h) of the image, in place, one pixel wide."""
    h, w = image.shape[:2]
    x0 = int(np.clip(box[0] * w, 0, w - 1))
    y0 = int(np.clip(box[1] * h, 0, h - 1))
    x1 = int(np.clip((box[0] + box[2]) * w, 0, w - 1))
    y1 = int(np.clip((box[1] + box[3]) * h, 0, h - 1))
    image[y0, x0 : x1 + 1] = color
    image[y1, x0 : x1 + 1] = color
    image[y0 : y1 + 1, x0] = color
    image[y0 : y1 + 1, x1] = color


def draw_ring(image: np.ndarray, center: tuple[float, float], radius_frac: float, color: tuple[int, int, int]) -> None:
    """A circle outline around a point given as fractions of the image (the surprise marker)."""
    h, w = image.shape[:2]
    cx, cy = center[0] * w, center[1] * h
    r = max(2.0, radius_frac * min(w, h))
    ys, xs = np.ogrid[:h, :w]
    d = np.sqrt((xs + 0.5 - cx) ** 2 + (ys + 0.5 - cy) ** 2)
    image[np.abs(d - r) < 0.75] = color
