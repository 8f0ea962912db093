"""The camera pane: the newest frame in half-block colour cells, entity boxes with their names,
and the surprise overlay (a ring where the world model was most surprised, and the z-score in
the pane's title)."""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from glasses_agent.context import Entity
from tools.sim.halfblock import (
    draw_box, draw_ring, fit, halfblock_cells, halfblock_lines, resize_area, to_segments,
)
from tools.sim.view import SimFrame, detections_of

SURPRISE_SHOWN = 2.0  # z-score from which the overlay marks where the surprise is

BOX_COLORS = {
    "named": (80, 220, 120),
    "person": (230, 110, 230),
    "hidden": (120, 120, 130),
    "selected": (255, 255, 255),
    "object": (250, 200, 60),
}
SURPRISE_COLOR = (255, 70, 70)
LOOMING_COLOR = (255, 140, 40)
BLANK = Style(bgcolor="rgb(12,12,16)")
HINT = Style(color="rgb(150,150,165)", bgcolor="rgb(12,12,16)", italic=True)


def entity_label(entity: Entity, names: dict[int, str]) -> str:
    name = entity.name or names.get(entity.id)
    return f"#{entity.id} {name or entity.kind}"


def entity_color(entity: Entity, names: dict[int, str], selected: int | None) -> tuple[int, int, int]:
    if entity.id == selected:
        return BOX_COLORS["selected"]
    if not entity.visible:
        return BOX_COLORS["hidden"]
    if entity.name or entity.id in names:
        return BOX_COLORS["named"]
    return BOX_COLORS["person"] if entity.kind == "person" else BOX_COLORS["object"]


def _label_row(box, rows: int) -> int:
    row = int(np.clip(box[1] * rows, 0, rows - 1))
    return row - 1 if row > 0 else row


def _below_row(box, rows: int) -> int:
    return int(np.clip((box[1] + box[3]) * rows + 1, 0, rows - 1))


def _cells_of_rows(image: np.ndarray, rows: list[int]) -> list[list[tuple[str, Style]]]:
    if not rows:
        return []
    picked = np.concatenate([image[2 * r : 2 * r + 2] for r in rows], axis=0)
    return halfblock_cells(picked)


class CameraView(Widget):
    """Draws the frame to fit the pane, letterboxed, keeping the camera's aspect ratio."""

    DEFAULT_CSS = "CameraView { height: 1fr; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.frame: SimFrame | None = None
        self.selected: int | None = None
        self.hint = "waiting for the first tick"
        self._strips: list[Strip] = []
        self._rendered_for: tuple | None = None

    def show(self, frame: SimFrame, selected: int | None = None) -> None:
        self.frame = frame
        self.selected = selected
        surprise = frame.ctx.world.surprise if frame.ctx.world is not None else 0.0
        self.border_title = "camera"
        self.border_subtitle = f"surprise {surprise:+.1f}σ" if frame.ctx.world is not None else "no world model"
        self.set_class(surprise >= SURPRISE_SHOWN, "surprised")
        self._rendered_for = None
        self.refresh()

    def _render_strips(self) -> list[Strip]:
        width, height = self.size.width, self.size.height
        key = (id(self.frame), self.selected, width, height)
        if key == self._rendered_for:
            return self._strips
        self._rendered_for = key
        blank_line = Strip([Segment(" " * width, BLANK)], width)
        frame = self.frame
        if frame is None or frame.image is None or frame.image.size == 0 or width < 4 or height < 2:
            hint = self.hint if frame is None else "no camera in this tick"
            pad = max(0, width - len(hint))
            line = Strip([Segment(" " * (pad // 2) + hint[:width] + " " * (pad - pad // 2), HINT)], width)
            self._strips = [blank_line] * (height // 2) + [line] + [blank_line] * (height - height // 2 - 1)
            return self._strips
        src = frame.image
        w, h = fit(src.shape[1], src.shape[0], width, height * 2)
        h -= h % 2
        image = resize_area(src, w, max(2, h)).copy()
        world = frame.ctx.world
        entities = world.entities if world is not None else ()
        for e in sorted(entities, key=lambda e: e.id == self.selected):  # the selected box on top
            draw_box(image, e.box, entity_color(e, frame.names, self.selected))
        looming = (detections_of(frame.ctx) or {}).get("looming")
        if looming and len(looming.get("box") or ()) == 4:
            draw_box(image, tuple(looming["box"]), LOOMING_COLOR)
        if world is not None and world.surprise >= SURPRISE_SHOWN and world.surprise_where is not None:
            draw_ring(image, world.surprise_where, 0.12, SURPRISE_COLOR)
        lines = halfblock_lines(image)
        # Labels overwrite cells; only the few rows that carry one go through the per-cell path.
        rows = len(lines)
        # Entities are labelled above their box; the looming cue below its own, so both stay legible.
        labels = [(_label_row(e.box, rows), e.box[0], entity_label(e, frame.names),
                   entity_color(e, frame.names, self.selected)) for e in entities]
        if looming and len(looming.get("box") or ()) == 4:
            box = looming["box"]
            labels.append((_below_row(box, rows), box[0], f"looming {looming.get('growth_per_s', 0):+.1f}/s", LOOMING_COLOR))
        labelled = sorted({row for row, _, _, _ in labels})
        cells = dict(zip(labelled, _cells_of_rows(image, labelled)))
        for row, x, text, color in labels:
            self._text(cells[row], w, x, text, color)
        for r, row in cells.items():
            lines[r] = to_segments(row)
        left = (width - w) // 2
        top = (height - len(lines)) // 2
        pad_left = [Segment(" " * left, BLANK)] if left else []
        pad_right = [Segment(" " * (width - w - left), BLANK)] if width - w - left else []
        strips = [blank_line] * top
        for segments in lines:
            strips.append(Strip(pad_left + segments + pad_right, width))
        strips += [blank_line] * (height - len(strips))
        self._strips = strips[:height]
        return self._strips

    @staticmethod
    def _text(cells: list[tuple[str, Style]], cols: int, x: float, text: str, color: tuple[int, int, int]) -> None:
        """Write a label into one row of cells, from `x` (a fraction of the width)."""
        col = int(np.clip(x * cols, 0, cols - 1))
        r, g, b = color
        style = Style(color="rgb(10,10,10)", bgcolor=f"rgb({r},{g},{b})", bold=True)
        text = text[: max(0, cols - col)]
        for i, char in enumerate(text):
            cells[col + i] = (char, style)

    def label_of(self, entity: Entity) -> str:
        """The label the pane draws over `entity` now (names enrolled this session included)."""
        return entity_label(entity, self.frame.names if self.frame is not None else {})

    def render_line(self, y: int) -> Strip:
        strips = self._render_strips()
        return strips[y] if y < len(strips) else Strip.blank(self.size.width)
