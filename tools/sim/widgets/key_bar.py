"""The bottom line: the simulator's keys, as many as the width holds, most used first.

Whole "key what" pairs only, never one cut in two; the help key is always there and opens the
help screen, which lists every key. At 160 columns every key fits.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

KEY_STYLE = "bold rgb(10,10,20) on rgb(120,180,255)"


def key_line(keys: list[tuple[str, str]], width: int, always: str = "?") -> Text:
    """The (key, what) pairs, in their order, that fit `width`; the pair of key `always` is kept."""
    pairs = [(key == always, Text.assemble((f" {key} ", KEY_STYLE), f" {what} ")) for key, what in keys]
    used = sum(cell_len(t.plain) for kept, t in pairs if kept)
    line = Text()
    for kept, text in pairs:
        size = cell_len(text.plain)
        if kept or used + size <= width:
            line.append_text(text)
            used += 0 if kept else size
    return line


class KeyBar(Widget):
    """The app's keys fitted to the width (see the module docstring)."""

    DEFAULT_CSS = "KeyBar { height: 1; background: rgb(24, 26, 34); }"

    def __init__(self, keys: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.keys = keys

    def on_resize(self) -> None:
        self.refresh()

    def render(self) -> Text:
        return key_line(self.keys, self.size.width)
