"""A pane of fixed size that shows one Rich renderable.

`Static.update` asks for a new layout (its size may change), which repaints the whole screen;
these panes never change size, so a plain repaint of the pane is enough, every tick.
"""

from __future__ import annotations

from rich.console import RenderableType
from textual.widget import Widget


class TextPane(Widget):
    """A pane that shows one Rich renderable and redraws when it is replaced."""
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._renderable: RenderableType = ""

    def set_renderable(self, renderable: RenderableType) -> None:
        self._renderable = renderable
        self.refresh()

    def render(self) -> RenderableType:
        return self._renderable
