"""The critic's log: every proposal of every tick, its verdict and the critic's reason."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

from tools.sim.view import SimFrame


class CriticLog(RichLog):
    def __init__(self, **kwargs) -> None:
        super().__init__(max_lines=1000, wrap=False, markup=False, auto_scroll=True, **kwargs)
        self.allowed = 0
        self.refused = 0

    def show(self, frame: SimFrame) -> None:
        verdicts = {v.prompt_id: v for v in frame.ctx.verdicts}
        for prompt in frame.ctx.proposals:
            verdict = verdicts.get(prompt.id)
            line = Text()
            line.append(f"{frame.stream_s:6.1f}s ", style="dim")
            if verdict is None:
                line.append("?  ", style="dim")
            elif verdict.allowed:
                self.allowed += 1
                line.append("✔  ", style="bold rgb(90,220,120)")
            else:
                self.refused += 1
                line.append("✘  ", style="bold rgb(240,90,80)")
            line.append(f"{prompt.kind:<10} ", style="rgb(120,180,255)")
            line.append(verdict.reason if verdict is not None else "no verdict", style="italic rgb(170,170,180)")
            self.write(line)
            # The text on its own line: the reason (why) and the words (what) both stay readable.
            self.write(Text(f"{'':10}“{prompt.text}”", style="rgb(220,220,225)"))
        self.border_subtitle = f"{self.allowed} sent · {self.refused} held back"

    def note(self, text: str) -> None:
        """Actions the developer took (feedback, enrolments) in line with the verdicts."""
        self.write(Text(f"   ↳ {text}", style="rgb(230,200,120)"))
