"""The configurator: modes (what may speak, with which thresholds and budgets) and the context
that switches them (walking -> navigate, battery low -> lower tick rate)."""

from glasses_agent.configurator.buttons import BUTTON_MEANINGS, ButtonOutcome, UnknownButtonError
from glasses_agent.configurator.configurator import Configurator
from glasses_agent.configurator.modes import DEFAULT_MODES_FILE, ModeSettings, UnknownModeError, load_modes

__all__ = ["BUTTON_MEANINGS", "ButtonOutcome", "Configurator", "UnknownButtonError", "DEFAULT_MODES_FILE", "ModeSettings", "UnknownModeError", "load_modes"]
