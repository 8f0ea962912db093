"""Stream health: is the agent keeping up with the stream?"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from tools.sim.widgets.text_pane import TextPane

from tools.sim.view import SimFrame

LATE_S = 1.0  # a frame shown later than this is "behind" (the bar)


def _age(age: float | None) -> Text:
    if age is None:
        return Text("— (stepping)", style="dim")
    style = "rgb(90,220,120)" if age < 0.2 else "rgb(240,200,60)" if age < LATE_S else "bold rgb(240,80,70)"
    return Text(f"{age * 1000:.0f} ms", style=style)


class HealthView(TextPane):
    def show(self, frame: SimFrame) -> None:
        h = frame.health
        table = Table.grid(padding=(0, 1))
        table.add_column(style="dim", no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(style="dim", no_wrap=True)
        table.add_column(no_wrap=True)
        rtf_style = "rgb(90,220,120)" if h.real_time_factor < 0.8 else "bold rgb(240,80,70)"
        table.add_row("ticks/s", f"{h.ticks_per_s:.1f}", "camera", f"{h.camera_fps:.1f} fps")
        table.add_row("frame age", _age(h.frame_age_s), "drops", f"{h.ticks_dropped} ticks")
        table.add_row("drawn/s", f"{h.shown_per_s:.1f}", "not drawn", f"{h.frames_not_shown}")
        table.add_row("agent", f"{h.process_ms:.0f} ms", "rt factor", Text(f"{h.real_time_factor:.2f}", style=rtf_style))
        table.add_row("queue", f"{h.read_ahead}", "gaps/late", f"{h.seq_gaps}/{h.late_frames}")
        self.set_renderable(table)
