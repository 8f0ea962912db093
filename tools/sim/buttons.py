"""The glasses' three buttons in the simulator: which key presses which, and what the log says.

The meanings are the agent's (glasses_agent.configurator.buttons); the simulator only presses
them and shows what the wearer would notice: the mode in force, quiet on or off, the last prompt
shown again (the delivering side's half of a press, which here is the simulator).
"""

from __future__ import annotations

from typing import Any

# key, button action, what the help screen says. Digits: no other binding uses them, and typing a
# name (enroll, find) still gets them, as the app's bindings are not priority ones.
BUTTON_KEYS = (
    ("1", "press", "button press (repeat the last prompt)"),
    ("2", "double_press", "button double press (next mode)"),
    ("3", "long_press", "button long press (quiet on / off)"),
)


def button_note(outcome: Any, was_mode: str, prompt_text: str | None) -> str:
    """The critic log's line for one press: `outcome` is the agent's ButtonOutcome, `was_mode` the
    mode before it, `prompt_text` the last prompt's words (None: nothing has been said yet)."""
    head = f"button {outcome.action} →"
    if outcome.repeat:
        return f"{head} repeated: “{prompt_text}”" if prompt_text is not None else f"{head} no prompt yet to repeat"
    if outcome.action == "long_press":
        if outcome.mode == "quiet":
            return f"{head} quiet on"
        return f"{head} quiet off, mode {outcome.mode}" if was_mode == "quiet" else f"{head} mode {outcome.mode}"
    return f"{head} mode {outcome.mode}" if outcome.changed else f"{head} mode stays {outcome.mode}"
