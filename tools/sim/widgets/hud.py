"""The glasses' display as the wearer sees it: the current prompt and its haptic cue."""

from __future__ import annotations

from rich.align import Align
from rich.console import Group
from rich.text import Text
from tools.sim.widgets.text_pane import TextPane

from glasses_agent.prompts import PRIORITY_HIGH, PRIORITY_SAFETY, Prompt
from tools.sim.view import SimFrame

HAPTIC_CUES = {"none": "", "tap": "((·)) tap", "double_tap": "((·))((·)) double tap", "long": "((~~~)) long buzz"}


def prompt_style(prompt: Prompt) -> str:
    if prompt.priority >= PRIORITY_SAFETY:
        return "bold rgb(255,90,90)"
    if prompt.priority >= PRIORITY_HIGH:
        return "bold rgb(255,200,80)"
    return "bold rgb(150,255,190)"


class HudView(TextPane):
    """The prompt the glasses show now; redrawn only when it or its time left changes."""

    _drawn: tuple | None = None

    def show(self, frame: SimFrame) -> None:
        prompt = frame.hud
        key = None if prompt is None else (prompt.id, round(max(0.0, (prompt.expires_ns() - frame.t_ns) / 1e9), 1))
        if key == self._drawn and self._drawn is not None or (key is None and self._drawn == ()):
            return
        self._drawn = () if key is None else key
        if prompt is None:
            body = Group(Text(""), Align.center(Text("·", style="rgb(60,90,70)")), Text(""))
            self.border_subtitle = ""
        else:
            remaining = max(0.0, (prompt.expires_ns() - frame.t_ns) / 1e9)
            cue = HAPTIC_CUES.get(prompt.haptic, prompt.haptic)
            body = Group(
                Align.center(Text(prompt.text, style=prompt_style(prompt))),
                Text(""),
                Align.center(Text(cue, style="italic rgb(120,170,255)") if cue else Text("")),
            )
            self.border_subtitle = f"{prompt.kind} · {remaining:.1f} s left"
        self.set_class(prompt is not None and prompt.is_safety, "safety")
        self.set_renderable(body)
