"""Modal screens: the help screen (every key), and the one-line name prompt (enroll, find)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


def key_name(key: str) -> str:
    names = {"space": "space", "question_mark": "?", "full_stop": ".", "plus": "+", "minus": "-", "equals_sign": "=",
             "left": "←", "right": "→", "escape": "esc", "up": "↑", "down": "↓"}
    return ", ".join(names.get(k, k) for k in key.split(","))


class HelpScreen(ModalScreen[None]):
    """Every key of the simulator, from the app's own bindings, so the list cannot go stale."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]  # short: the keys only, the prose gives way

    def __init__(self, bindings: list[Binding], about: str) -> None:
        super().__init__()
        self.bindings = bindings
        self.about = about

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 3))
        table.add_column(style="bold rgb(120,180,255)", justify="right", no_wrap=True)
        table.add_column()
        for b in self.bindings:
            table.add_row(key_name(b.key), b.description)
        table.add_row("↑, ↓", "select an entity in the world pane (for enroll)")
        self.keys_table = table
        with Vertical(id="help-box"):
            yield Static(Text("keys", style="bold"), id="help-title")
            yield Static(table)
            yield Static(Text(self.about, style="dim"), id="help-about")
            yield Label("esc, q or ? closes this", id="help-close")


class NamePrompt(ModalScreen[str | None]):
    """Asks for one name; Enter accepts, Escape cancels (returns None)."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, placeholder: str = "") -> None:
        super().__init__()
        self.question = question
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="name-box"):
            yield Label(self.question)
            yield Input(placeholder=self.placeholder, id="name-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
