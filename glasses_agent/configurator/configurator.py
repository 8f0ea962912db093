"""Which mode is in force, and the compute budget, from commands and from context.

A commanded mode (CLI flag, device button, simulator key) holds until the next command. The one
context switch: while the wearer is in `explore` and walks steadily, the agent helps as in
`navigate`, and falls back to `explore` once they stand still again. Any other commanded mode
(quiet above all) is never overridden by context. A low battery in telemetry halves the rate
at which ticks are processed, and restores it once the battery is charged again.
"""

from __future__ import annotations

from dataclasses import dataclass

from glasses_agent.configurator.buttons import ButtonMap, ButtonOutcome
from glasses_agent.configurator.modes import ModeSettings, UnknownModeError, load_modes
from streams.frames import NS_PER_S, Event

BATTERY_LOW = 0.15  # fraction of charge under which compute is cut
BATTERY_OK = 0.25  # hysteresis: restore the full rate only well above the cut
WALK_TO_NAVIGATE_S = 2.0  # sustained walking before switching
STILL_TO_EXPLORE_S = 4.0  # sustained standing before switching back


def battery_level(event: Event) -> float | None:
    """Battery charge 0..1 from a telemetry event ({"battery": 0.12} or {"battery_pct": 12})."""
    if event.name != "telemetry" or not isinstance(event.data, dict):
        return None
    data = event.data
    for key, scale in (("battery", 1.0), ("battery_level", 1.0), ("battery_pct", 100.0), ("battery_percent", 100.0)):
        value = data.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            level = float(value) / scale
            if level > 1.0 and scale == 1.0:
                level /= 100.0  # someone sent percent under "battery"
            return min(1.0, max(0.0, level))
    return None


@dataclass
class Budget:
    """The compute budget: process one tick in `tick_divisor`, and why (`reason`); set from the battery
    level."""

    tick_divisor: int = 1  # process one tick in this many
    battery: float | None = None
    reason: str = "full rate"


class Configurator:
    """Which mode is in force (commanded, or switched by context such as walking) and the compute budget;
    `settings` are the mode's."""

    def __init__(self, mode: str = "explore", modes_file: str | None = None, *, auto: bool = True) -> None:
        self.modes = load_modes(modes_file)
        self.commanded = self._check(mode)
        self.auto = auto
        self.active = self.commanded
        self.budget = Budget()
        self._walking_since: int | None = None
        self._still_since: int | None = None
        self.switches: list[tuple[int, str, str]] = []  # (t_ns, mode, why)
        self._buttons: ButtonMap | None = None

    def button(self, action: str, t_ns: int = 0) -> ButtonOutcome:
        """A device button (press, double_press, long_press): see configurator.buttons for meanings."""
        if self._buttons is None:
            self._buttons = ButtonMap(self)
        return self._buttons.press(action, t_ns)

    def _check(self, mode: str) -> str:
        if mode not in self.modes:
            raise UnknownModeError(f"unknown mode {mode!r}; expected one of {', '.join(sorted(self.modes))}")
        return mode

    @property
    def mode(self) -> str:
        return self.active

    @property
    def settings(self) -> ModeSettings:
        return self.modes[self.active]

    def set_mode(self, mode: str, t_ns: int = 0) -> None:
        self.commanded = self._check(mode)
        self.active = mode
        self._walking_since = self._still_since = None
        self.switches.append((t_ns, mode, "commanded"))

    def observe(self, t_ns: int, walking: bool, events: tuple[Event, ...] = ()) -> None:
        """Update mode and budget from this tick's context."""
        for event in events:
            if isinstance(event, Event) and event.name == "mode" and isinstance(event.data, dict):
                mode = event.data.get("mode")
                if isinstance(mode, str) and mode in self.modes:
                    self.set_mode(mode, t_ns)  # a device button press
            level = battery_level(event) if isinstance(event, Event) else None
            if level is not None:
                self._battery(level)
        if not self.auto or self.commanded != "explore":
            return
        if walking:
            self._still_since = None
            self._walking_since = self._walking_since if self._walking_since is not None else t_ns
            if self.active == "explore" and t_ns - self._walking_since >= WALK_TO_NAVIGATE_S * NS_PER_S:
                self.active = "navigate"
                self.switches.append((t_ns, "navigate", "walking"))
        else:
            self._walking_since = None
            self._still_since = self._still_since if self._still_since is not None else t_ns
            if self.active == "navigate" and t_ns - self._still_since >= STILL_TO_EXPLORE_S * NS_PER_S:
                self.active = "explore"
                self.switches.append((t_ns, "explore", "standing still"))

    def _battery(self, level: float) -> None:
        self.budget.battery = level
        if level < BATTERY_LOW and self.budget.tick_divisor == 1:
            self.budget.tick_divisor = 2
            self.budget.reason = f"battery low ({level:.0%}): half tick rate"
        elif level >= BATTERY_OK and self.budget.tick_divisor != 1:
            self.budget.tick_divisor = 1
            self.budget.reason = "full rate"
