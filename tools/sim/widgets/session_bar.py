"""The top line: source, play state, speed, stream time, tick, mode, and the last action.

It fits any width by dropping whole parts, least needed first (the long title before the short
one, then the tick number, the source, the last action), never cutting one in the middle: the
play state, the stream time and the mode stay to the last.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

# Lower numbers are kept longer.
KEEP_ERROR, KEEP_STATE, KEEP_TIME, KEEP_MODE, KEEP_SPEED, KEEP_STATUS, KEEP_SOURCE, KEEP_TICK, KEEP_TITLE = range(9)


def fit_parts(parts: list[tuple[int, Text]], width: int) -> Text:
    """Join the parts in their order, leaving out the least needed until the line fits `width`."""
    kept = list(parts)
    while kept and sum(cell_len(t.plain) for _, t in kept) > width:
        drop = max(range(len(kept)), key=lambda i: (kept[i][0], i))
        del kept[drop]
    line = Text()
    for _, text in kept:
        line.append_text(text)
    return line


class SessionBar(Widget):
    """The session's state in one line (see the module docstring)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.parts: list[tuple[int, Text]] = []

    def show(self, *, label: str, playing: bool, ended: bool, speed: float, stream_s: float | None,
             duration_s: float | None, tick: int | None, mode: str, status: str, error: str | None) -> None:
        title = " ◉ glasses-agent sim "
        parts: list[tuple[int, Text]] = [
            (KEEP_TITLE, Text(title, style="bold rgb(10,10,20) on rgb(120,180,255)")),
            (KEEP_TITLE - 1, Text(" ◉ ", style="bold rgb(10,10,20) on rgb(120,180,255)")),
            (KEEP_SOURCE, Text(f" {label} ", style="bold")),
        ]
        if ended:
            parts.append((KEEP_STATE, Text(" ■ ended", style="bold rgb(240,200,60)")))
        elif playing:
            parts.append((KEEP_STATE, Text(" ▶ playing", style="bold rgb(90,220,120)")))
        else:
            parts.append((KEEP_STATE, Text(" ❚❚ paused", style="bold rgb(240,200,60)")))
        parts.append((KEEP_SPEED, Text(f"  {speed:g}×", style="bold")))
        if stream_s is not None:
            total = f" / {duration_s:.1f}" if duration_s else ""
            parts.append((KEEP_TIME, Text(f"  t {stream_s:.1f}{total} s")))
        if tick is not None:
            parts.append((KEEP_TICK, Text(f"  tick {tick}", style="dim")))
        parts.append((KEEP_MODE, Text(f"  mode {mode}", style="rgb(120,180,255)")))
        if error:
            parts.append((KEEP_ERROR, Text(f"  error: {error}", style="bold rgb(240,80,70)")))
        elif status:
            parts.append((KEEP_STATUS, Text(f"  {status}", style="italic rgb(230,200,120)")))
        if [(k, t.plain) for k, t in parts] != [(k, t.plain) for k, t in self.parts]:
            self.parts = parts
            self.refresh()

    def render(self) -> Text:
        # Both titles are offered; the short one only goes in when the long one went.
        width = self.size.width
        full = fit_parts([p for p in self.parts if p[0] != KEEP_TITLE - 1], width)
        if any(k == KEEP_TITLE for k, _ in self.parts) and full.plain.startswith(" ◉ glasses-agent sim "):
            return full
        return fit_parts([p for p in self.parts if p[0] != KEEP_TITLE], width)
