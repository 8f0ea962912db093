"""What the world model believes: mode, goal, surprise, sounds, and the tracked entities.

The entity table's cursor is the "selected entity" that enrolling names and the camera pane
outlines in white.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from glasses_agent.context import Entity
from tools.sim.view import SimFrame, detections_of
from tools.sim.widgets.text_pane import TextPane

COLUMNS = ("id", "kind", "name", "where", "seen", "state")


def _where(entity: Entity) -> str:
    cx, cy = entity.center
    col = "left" if cx < 0.33 else "right" if cx > 0.67 else ""
    row = "top" if cy < 0.33 else "low" if cy > 0.67 else ""
    return "-".join(p for p in (row, col) if p) or "centre"


def _state(entity: Entity) -> Text:
    if not entity.visible:
        return Text("hidden", style="rgb(130,130,140)")
    if entity.approach > 0.3:
        return Text("approach", style="bold rgb(255,110,90)")
    return Text("visible", style="rgb(120,220,140)")


class WorldView(Vertical):
    """The world pane: a summary line (surprise, mode, goal, walking) over a table of the entities the
    world model tracks."""
    def compose(self) -> ComposeResult:
        yield TextPane(id="world-summary")
        table = DataTable(id="entities", cursor_type="row", zebra_stripes=True)
        self._columns = table.add_columns(*COLUMNS)
        yield table

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.entities: tuple[Entity, ...] = ()
        self._rows: list[tuple] | None = None
        self._summary_plain: str | None = None
        self._summary_spans: list | None = None

    def _fit_columns(self, rows: list[tuple]) -> None:
        """Each column as wide as its label or widest cell, now. DataTable measures changed cells
        on its next idle moment but keys its painted rows on its update count, not on the widths:
        a repaint in between was kept at the old width ("centre" cut to "centr") until the next
        change. Its own measure on idle then comes to the same widths."""
        table = self.table
        for index, (key, label) in enumerate(zip(self._columns, COLUMNS)):
            cells = (row[index] for row in rows)
            table.columns[key].content_width = max(
                [cell_len(label), *(c.cell_len if isinstance(c, Text) else cell_len(c) for c in cells)])

    @property
    def table(self) -> DataTable:
        return self.query_one("#entities", DataTable)

    def selected(self) -> Entity | None:
        if not self.entities:
            return None
        row = self.table.cursor_row
        return self.entities[row] if 0 <= row < len(self.entities) else None

    def show(self, frame: SimFrame, *, goal: str | None, enrolled: list[str] = ()) -> None:
        world = frame.ctx.world
        summary = Text()
        summary.append("mode ", style="dim")
        summary.append(frame.ctx.mode, style="bold rgb(120,180,255)")
        summary.append("   goal ", style="dim")
        summary.append(goal or frame.ctx.goal or "—", style="bold")
        walking = frame.ctx.walking or (world is not None and world.walking)
        summary.append("   walking" if walking else "   standing", style="dim")
        found = detections_of(frame.ctx)
        if found:
            summary.append("\n")
            for label, value in (("people", found.get("people")), ("speech", found.get("speech")),
                                 ("light", found.get("luma"))):
                summary.append(f"{label} ", style="dim")
                shown = "—" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)
                summary.append(f"{shown}   ", style="bold")
            if found.get("qr"):
                summary.append("qr ", style="dim")
                summary.append(", ".join(str(q[0]) for q in found["qr"])[:30], style="bold")
        if enrolled:
            summary.append("\nknows ", style="dim")
            summary.append(", ".join(enrolled)[:80], style="bold rgb(80,220,120)")
        if world is not None:
            if world.sounds:
                summary.append("\nsounds ", style="dim")
                summary.append(", ".join(f"{n} ({s:.2f})" for n, s in world.sounds))
        if summary.plain != self._summary_plain or summary.spans != self._summary_spans:
            self._summary_plain, self._summary_spans = summary.plain, list(summary.spans)
            self.query_one("#world-summary", TextPane).set_renderable(summary)

        previous = self.selected()
        entities = tuple(sorted(world.entities, key=lambda e: e.id)) if world is not None else ()
        self.entities = entities
        rows = []
        for e in entities:
            name = e.name or frame.names.get(e.id)
            seen = (frame.t_ns - e.last_seen_ns) / 1e9
            rows.append((
                str(e.id), e.kind, Text(name, style="bold rgb(80,220,120)") if name else Text("—", style="dim"),
                # Whole seconds: the table is rebuilt (a costly repaint) only when a row changes.
                _where(e), "now" if seen <= 0.05 else f"{seen:.0f}s ago", _state(e),
            ))
        self.border_subtitle = f"{len(entities)} tracked"
        if rows == self._rows:
            return  # the same rows: nothing to draw
        previous_rows, self._rows = self._rows, rows
        table = self.table
        if previous_rows is not None and [r[0] for r in previous_rows] == [r[0] for r in rows]:
            # The same entities: change only the cells that changed. A rebuild measures every
            # cell again and resizes the table, and a size change re-lays the whole screen.
            for before, after in zip(previous_rows, rows):
                for column, old, new in zip(self._columns, before, after):
                    if old != new:
                        table.update_cell(after[0], column, new, update_width=True)
            self._fit_columns(rows)
            return
        table.clear()
        for row in rows:
            table.add_row(*row, key=row[0])
        self._fit_columns(rows)
        if previous is not None:
            for row, e in enumerate(entities):
                if e.id == previous.id:
                    table.move_cursor(row=row, animate=False)
                    break
