"""The critic's log: every proposal, its verdict and the critic's reason, newest at the bottom.

A proposal the critic keeps holding back for the same reason ("repeat within 30 s: ...", "min
gap: hazard sent 0.4 s ago") would fill the pane with one line over and over: a verdict equal to
one of the last few entries, numbers in the reason aside, adds to that entry's count instead
(shown as "2.7–19.8s ✘ text_read ×14 ...") and the entry shows the newest reason. Lines wrap at word boundaries to the pane's
width, so a reason is never cut off mid-word.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widget import Widget

from tools.sim.view import SimFrame

NUMBER = re.compile(r"\d+(?:\.\d+)?")
RECENT = 8  # how many of the newest entries a repeat is folded into
KEEP = 500  # entries kept (the pane shows the newest that fit)


@dataclass
class Entry:
    """One line of the log: a verdict on a proposal (folded repeats counted), or a note."""

    stream_s: float
    mark: str  # ✔ allowed, ✘ held back, ? no verdict, ↳ a note of the developer's action
    kind: str = ""
    reason: str = ""
    text: str = ""
    count: int = 1
    last_s: float = 0.0

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What makes two verdicts the same line: the figures in a reason ("sent 0.4 s ago") aside."""
        return (self.mark, self.kind, NUMBER.sub("#", self.reason), self.text)


MARK_STYLES = {"✔": "bold rgb(90,220,120)", "✘": "bold rgb(240,90,80)", "?": "dim"}


def entry_text(entry: Entry) -> Text:
    """The entry as the pane writes it: time, verdict, kind, the reason, the count; the prompt's
    words on a line of their own (the reason, why, and the words, what, both stay readable)."""
    if entry.mark == "↳":
        times = f" ×{entry.count}" if entry.count > 1 else ""  # the same action again (a button pressed twice)
        return Text(f"   ↳ {entry.reason}{times}", style="rgb(230,200,120)")
    line = Text()
    span = f"{entry.stream_s:.1f}–{entry.last_s:.1f}s" if entry.count > 1 else f"{entry.stream_s:.1f}s"
    line.append(f"{span:>7} ", style="dim")
    line.append(f"{entry.mark}  ", style=MARK_STYLES.get(entry.mark, ""))
    line.append(f"{entry.kind:<10} ", style="rgb(120,180,255)")
    if entry.count > 1:
        line.append(f"×{entry.count} ", style="bold rgb(230,200,120)")
    line.append(entry.reason, style="italic rgb(170,170,180)")
    line.append("\n")
    line.append(f"{'':10}“{entry.text}”", style="rgb(220,220,225)")
    return line


class CriticLog(Widget):
    """The critic's verdicts, folded and wrapped (see the module docstring)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.entries: deque[Entry] = deque(maxlen=KEEP)
        self.allowed = 0
        self.refused = 0
        self.logged = 0  # verdicts and notes written, folded repeats included

    def _add(self, entry: Entry) -> None:
        self.logged += 1
        for recent in list(self.entries)[-RECENT:]:
            if recent.key == entry.key:
                recent.count += 1
                recent.last_s = entry.stream_s
                recent.reason = entry.reason  # the newest figures
                return
        entry.last_s = entry.stream_s
        self.entries.append(entry)

    def show(self, frame: SimFrame) -> None:
        verdicts = {v.prompt_id: v for v in frame.ctx.verdicts}
        for prompt in frame.ctx.proposals:
            verdict = verdicts.get(prompt.id)
            if verdict is None:
                mark = "?"
            elif verdict.allowed:
                self.allowed += 1
                mark = "✔"
            else:
                self.refused += 1
                mark = "✘"
            reason = verdict.reason if verdict is not None else "no verdict"
            self._add(Entry(frame.stream_s, mark, prompt.kind, reason, prompt.text))
        if frame.ctx.proposals:
            self.border_subtitle = f"{self.allowed} sent · {self.refused} held back"
            self.refresh()

    def note(self, text: str) -> None:
        """Actions the developer took (feedback, enrolments) in line with the verdicts."""
        self._add(Entry(0.0, "↳", reason=text))
        self.refresh()

    def render(self) -> RenderableType:
        width, height = self.content_size.width, self.content_size.height
        if width <= 0 or height <= 0:
            return ""
        console = self.app.console
        lines: list[Text] = []
        for entry in reversed(self.entries):  # from the newest up, as many as fit
            lines[:0] = list(entry_text(entry).wrap(console, width, overflow="fold"))
            if len(lines) >= height:
                break
        return Group(*lines[-height:])
