"""The one rule for every identifier that ends up in an MQTT topic or a file path.

Device ids become topic levels (`glasses/{device_id}/camera`) and MQTT user names; wearer ids
name memory partitions and, in the bridge, per-device memory files. One strict pattern for all of
them keeps `/`, `+`, `#`, `..`, NUL, whitespace and newlines out of both places. docs/protocol.md
publishes the same pattern for firmware teams.
"""

from __future__ import annotations

import re

from glasses_agent.errors import GlassesAgentError

# 1-64 ASCII letters, digits, '_' or '-', starting with a letter or digit. Matched with
# fullmatch: a trailing newline (which `$` would let through) is refused too.
ID_PATTERN_TEXT = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
ID_PATTERN = re.compile(ID_PATTERN_TEXT)


class InvalidIdError(GlassesAgentError):
    """An id that would be unsafe in a topic or a path; the message is one line for the user."""


def is_valid_id(value: object) -> bool:
    """True when `value` is a string that may be used as a device or wearer id."""
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def check_id(value: object, what: str = "id") -> str:
    """`value` itself when valid, else InvalidIdError naming `what` (e.g. "device id", "wearer")."""
    if not is_valid_id(value):
        shown = repr(value)[:80]
        raise InvalidIdError(
            f"bad {what} {shown}: use 1-64 letters, digits, '_' or '-', starting with a letter or digit"
        )
    return value  # type: ignore[return-value]


def id_argument(what: str):  # noqa: ANN201 (an argparse type)
    """An argparse `type=` for an id: `--wearer ../../etc` fails as a one-line usage error."""
    import argparse

    def parse(text: str) -> str:
        try:
            return check_id(text, what)
        except InvalidIdError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    parse.__name__ = what.replace(" ", "_")
    return parse
