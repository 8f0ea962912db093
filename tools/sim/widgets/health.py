"""Stream health: is the agent keeping up with the stream?

The figures flow into as many columns as the pane's width holds, each "label value" whole, and
the pane grows by rows when fewer columns fit: at 80x24 as at 160x50 every value is shown
complete, never cut in the middle of a number.
"""

from __future__ import annotations

import math

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.text import Text
from textual.widget import Widget

from tools.sim.view import Health, SimFrame

LATE_S = 1.0  # a frame shown later than this is "behind" (the bar)
GAP = 2  # cells between columns
GOOD, WARN, BAD = "rgb(90,220,120)", "rgb(240,200,60)", "bold rgb(240,80,70)"


def _age(age: float | None) -> Text:
    if age is None:
        return Text("—", style="dim")  # stepped or sought: no due time to be late against
    style = GOOD if age < 0.2 else WARN if age < LATE_S else BAD
    return Text(f"{age * 1000:.0f} ms", style=style)


def health_items(h: Health) -> list[tuple[str, Text]]:
    """Every figure of the pane as (label, value), most telling first."""
    rtf_style = GOOD if h.real_time_factor < 0.8 else BAD
    return [
        ("frame age", _age(h.frame_age_s)),
        ("drops", Text(f"{h.ticks_dropped} ticks")),
        ("ticks/s", Text(f"{h.ticks_per_s:.1f}")),
        ("rt factor", Text(f"{h.real_time_factor:.2f}", style=rtf_style)),
        ("agent", Text(f"{h.process_ms:.0f} ms")),
        ("camera", Text(f"{h.camera_fps:.1f} fps")),
        ("drawn/s", Text(f"{h.shown_per_s:.1f}")),
        ("not drawn", Text(f"{h.frames_not_shown}")),
        ("queue", Text(f"{h.read_ahead}")),
        ("gaps/late", Text(f"{h.seq_gaps}/{h.late_frames}")),
    ]


def layout(items: list[tuple[str, Text]], width: int) -> list[Text]:
    """Lines of `items` in column-major order, as many columns as fit `width` with every item whole."""
    if not items:
        return []
    labels = max(cell_len(label) for label, _ in items)
    cells = [labels + 1 + cell_len(value.plain) for _, value in items]
    columns = len(items)
    while columns > 1:
        rows = math.ceil(len(items) / columns)
        widths = [max(cells[c * rows : (c + 1) * rows] or [0]) for c in range(columns)]
        if sum(widths) + GAP * (columns - 1) <= width:
            break
        columns -= 1
    rows = math.ceil(len(items) / columns)
    widths = [max(cells[c * rows : (c + 1) * rows] or [0]) for c in range(columns)]
    lines = []
    for r in range(rows):
        line = Text()
        for c in range(columns):
            i = c * rows + r
            if i >= len(items):
                break
            label, value = items[i]
            line.append(f"{label:<{labels}} ", style="dim")
            line.append_text(value)
            if c < columns - 1:
                line.append(" " * (widths[c] - cells[i] + GAP))
        lines.append(line)
    return lines


class HealthView(Widget):
    """The health figures, reflowed to the pane's width (see the module docstring)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.items: list[tuple[str, Text]] = []
        self._drawn: list[str] | None = None

    def show(self, frame: SimFrame) -> None:
        items = health_items(frame.health)
        plain = [label + value.plain for label, value in items]
        if plain == self._drawn:
            return  # the same figures: nothing to draw
        self._drawn, self.items = plain, items
        self._fit_height()
        self.refresh()

    def on_resize(self) -> None:
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow or shrink the pane by whole rows, so no figure is ever cut off."""
        if not self.items or self.content_size.width <= 0:
            return
        rows = len(layout(self.items, self.content_size.width)) + self.styles.gutter.height
        if self.styles.height is None or self.styles.height.value != rows:
            self.styles.height = rows

    def lines(self) -> list[Text]:
        return layout(self.items, self.content_size.width)

    def render(self) -> RenderableType:
        return Group(*self.lines())
