"""The microphone pane: a level meter and the mel strip of the tick's one-second window,
newest on the right, so it scrolls left as ticks go by."""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from tools.sim.halfblock import halfblock_lines, resize_nearest
from tools.sim.mel import FLOOR_DB
from tools.sim.view import SimFrame

# A dark-to-bright palette (roughly "magma") for dB values from FLOOR_DB to 0.
_STOPS = np.array([[8, 6, 20], [60, 15, 100], [160, 40, 110], [240, 100, 60], [252, 230, 150]], np.float32)
METER_FLOOR_DB = -60.0


def colorize(mel_db: np.ndarray, floor_db: float = FLOOR_DB) -> np.ndarray:
    """(bands, frames) dB -> (bands, frames, 3) uint8, highest band on top."""
    x = np.clip((mel_db - floor_db) / -floor_db, 0.0, 1.0)[::-1] * (len(_STOPS) - 1)
    lo = np.floor(x).astype(int).clip(0, len(_STOPS) - 2)
    frac = (x - lo)[..., None]
    return (_STOPS[lo] * (1 - frac) + _STOPS[lo + 1] * frac).astype(np.uint8)


def meter(level_db: float, width: int) -> list[Segment]:
    fill = int(round(np.clip((level_db - METER_FLOOR_DB) / -METER_FLOOR_DB, 0, 1) * width))
    green, amber = int(width * 0.7), int(width * 0.9)
    segments = []
    for start, end, color in ((0, green, "rgb(80,200,120)"), (green, amber, "rgb(240,200,60)"), (amber, width, "rgb(240,80,70)")):
        lit = max(0, min(end, fill) - start)
        if lit:
            segments.append(Segment("█" * lit, Style(color=color)))
        dark = max(0, end - start - lit)
        if dark:
            segments.append(Segment("░" * dark, Style(color="rgb(50,50,60)")))
    return segments


class AudioView(Widget):
    """The microphone pane: a mel strip of the tick's audio window and its level, redrawn only when the
    window changed."""
    DEFAULT_CSS = "AudioView { height: 10; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.frame: SimFrame | None = None
        self._strips: list[Strip] = []
        self._for: tuple | None = None

    def show(self, frame: SimFrame) -> None:
        self.frame = frame
        self.border_subtitle = f"level {frame.level_db:5.1f} dBFS · coverage {frame.ctx.tick.audio_coverage:.0%}"
        self._for = None
        self.refresh()

    def _render(self) -> list[Strip]:
        width, height = self.size.width, self.size.height
        if self._for == (id(self.frame), width, height):
            return self._strips
        self._for = (id(self.frame), width, height)
        label = Segment("level ", Style(color="rgb(150,150,160)"))
        if self.frame is None or width < 10 or height < 2:
            self._strips = [Strip.blank(width)] * height
            return self._strips
        strips = [Strip([label, *meter(self.frame.level_db, width - 6)], width)]
        rows = height - 1
        image = resize_nearest(colorize(self.frame.mel), width, rows * 2)
        strips += [Strip(segments, width) for segments in halfblock_lines(image)]
        self._strips = strips
        return strips

    def render_line(self, y: int) -> Strip:
        strips = self._render()
        return strips[y] if y < len(strips) else Strip.blank(self.size.width)
