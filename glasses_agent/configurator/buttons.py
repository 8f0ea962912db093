"""What the glasses' buttons mean: one place, the same for the bridge, the simulator and the docs.

    press          repeat the last prompt (the wearer missed it)
    double_press   next mode in the cycle explore -> navigate -> read -> social -> explore
                   (from quiet: the mode after the one quiet was entered from)
    long_press     quiet on; again: back to the mode quiet was entered from

The cycle is the modes file's order without its quiet modes, so a wearer's own modes join it.
A mode change is a command (Configurator.set_mode): it holds until the next one, context never
overrides it. Repeating is the delivering side's job (the bridge re-sends the prompt record it
keeps); this module only says that the press asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from glasses_agent.errors import GlassesAgentError

BUTTON_MEANINGS = {
    "press": "repeat the last prompt",
    "double_press": "next mode (explore, navigate, read, social)",
    "long_press": "quiet on / off",
}


class UnknownButtonError(GlassesAgentError):
    """A button action outside BUTTON_MEANINGS."""


@dataclass(frozen=True)
class ButtonOutcome:
    """What one press did: `repeat` asks the caller to show the last prompt again; `mode` is the
    mode in force afterwards and `changed` whether the press changed it."""

    action: str
    mode: str
    changed: bool = False
    repeat: bool = False

    def describe(self) -> str:
        if self.repeat:
            return "repeat the last prompt"
        return f"mode {self.mode}" if self.changed else f"mode stays {self.mode}"


class ButtonMap:
    """Turns button actions into mode commands on a Configurator (held, not copied)."""

    def __init__(self, configurator) -> None:  # noqa: ANN001 (Configurator: no import cycle either way)
        self.configurator = configurator
        modes = configurator.modes
        self.cycle = [name for name, settings in modes.items() if not settings.quiet]
        self.quiet = next((name for name, settings in modes.items() if settings.quiet), None)
        self._before_quiet: str | None = None

    def press(self, action: str, t_ns: int = 0) -> ButtonOutcome:
        """Apply one button action; UnknownButtonError for an action with no meaning."""
        if action not in BUTTON_MEANINGS:
            raise UnknownButtonError(f"button action {action!r} has no meaning; expected one of {', '.join(BUTTON_MEANINGS)}")
        current = self.configurator.commanded
        if action == "press":
            return ButtonOutcome(action, self.configurator.mode, repeat=True)
        if action == "double_press":
            base = self._loud_mode(current)
            target = self.cycle[(self.cycle.index(base) + 1) % len(self.cycle)] if base in self.cycle else self.cycle[0]
        elif current == self.quiet or self.quiet is None:
            target = self._loud_mode(current)
        else:
            self._before_quiet = current
            target = self.quiet
        changed = target != self.configurator.mode
        self.configurator.set_mode(target, t_ns)
        return ButtonOutcome(action, target, changed=changed)

    def _loud_mode(self, current: str) -> str:
        """`current` when it speaks, else the mode quiet was entered from (or the cycle's first)."""
        if current in self.cycle:
            return current
        return self._before_quiet if self._before_quiet in self.cycle else self.cycle[0]
