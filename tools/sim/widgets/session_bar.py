"""The top line: source, play state, speed, stream time, tick, mode, and the last action."""

from __future__ import annotations

from rich.text import Text
from tools.sim.widgets.text_pane import TextPane


class SessionBar(TextPane):
    def show(self, *, label: str, playing: bool, ended: bool, speed: float, stream_s: float | None,
             duration_s: float | None, tick: int | None, mode: str, status: str, error: str | None) -> None:
        text = Text()
        text.append(" ◉ glasses-agent sim ", style="bold rgb(10,10,20) on rgb(120,180,255)")
        text.append(f"  {label}  ", style="bold")
        if ended:
            text.append("■ ended", style="bold rgb(240,200,60)")
        elif playing:
            text.append("▶ playing", style="bold rgb(90,220,120)")
        else:
            text.append("❚❚ paused", style="bold rgb(240,200,60)")
        text.append(f"  {speed:g}×", style="bold")
        if stream_s is not None:
            total = f" / {duration_s:.1f}" if duration_s else ""
            text.append(f"   t {stream_s:.1f}{total} s", style="")
        if tick is not None:
            text.append(f"   tick {tick}", style="dim")
        text.append(f"   mode {mode}", style="rgb(120,180,255)")
        if error:
            text.append(f"   error: {error}", style="bold rgb(240,80,70)")
        elif status:
            text.append(f"   {status}", style="italic rgb(230,200,120)")
        self.set_renderable(text)
