"""Modes as the wearer edits them: a TOML file of per-mode policies, thresholds and budgets.

The shipped file is `modes.toml` beside this module; a user copy passed as `modes_file` replaces
it. Every mode inherits `[defaults]` and overrides what it names (tables merge key by key), so a
user file can be as short as one changed number.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glasses_agent.errors import GlassesAgentError
from glasses_agent.prompts import PROMPT_KINDS

DEFAULT_MODES_FILE = Path(__file__).with_name("modes.toml")
REQUIRED_MODES = ("navigate", "explore", "read", "social", "quiet")


class UnknownModeError(GlassesAgentError, ValueError):
    """A mode name that the modes file does not define."""


class ModesFileError(GlassesAgentError, ValueError):
    """A modes file that cannot be read or says something impossible."""


@dataclass(frozen=True)
class ModeSettings:
    """One mode's settings from modes.toml: its policies, the critic's limits, thresholds and detector
    rates."""

    name: str
    description: str = ""
    policies: tuple[str, ...] = ()
    quiet: bool = False  # only safety prompts pass
    cap_per_minute: int = 6
    repeat_window_s: float = 30.0
    learned_threshold: float = 0.3
    max_per_tick: int = 1
    detector_every: int = 3
    min_gap_s: dict[str, float] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)

    def threshold(self, name: str, default: float) -> float:
        return float(self.thresholds.get(name, default))

    def gap_ns(self, kind: str) -> int:
        return int(float(self.min_gap_s.get(kind, 0.0)) * 1e9)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _settings(name: str, table: dict[str, Any], where: Path) -> ModeSettings:
    known = set(ModeSettings.__dataclass_fields__) - {"name"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ModesFileError(f"{where}: mode {name!r} has unknown settings {', '.join(unknown)}")
    policies = tuple(table.get("policies", ()))
    bad = [p for p in policies if p not in PROMPT_KINDS]
    if bad:
        raise ModesFileError(f"{where}: mode {name!r} enables unknown policies {', '.join(bad)}")
    try:
        settings = ModeSettings(
            name=name,
            description=str(table.get("description", "")),
            policies=policies,
            quiet=bool(table.get("quiet", False)),
            cap_per_minute=int(table.get("cap_per_minute", 6)),
            repeat_window_s=float(table.get("repeat_window_s", 30.0)),
            learned_threshold=float(table.get("learned_threshold", 0.3)),
            max_per_tick=int(table.get("max_per_tick", 1)),
            detector_every=int(table.get("detector_every", 3)),
            min_gap_s={str(k): float(v) for k, v in table.get("min_gap_s", {}).items()},
            thresholds={str(k): float(v) for k, v in table.get("thresholds", {}).items()},
        )
    except (TypeError, ValueError) as err:
        raise ModesFileError(f"{where}: mode {name!r} has a setting of the wrong type: {err}") from None
    if settings.detector_every < 1 or settings.cap_per_minute < 0 or settings.max_per_tick < 0:
        raise ModesFileError(f"{where}: mode {name!r}: detector_every >= 1, cap_per_minute and max_per_tick >= 0")
    return settings


def load_modes(path: str | Path | None = None) -> dict[str, ModeSettings]:
    """Every mode in the file, with [defaults] merged in."""
    where = Path(path) if path is not None else DEFAULT_MODES_FILE
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModesFileError(f"{where}: no such modes file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ModesFileError(f"{where}: cannot read the modes file: {err}") from None
    except tomllib.TOMLDecodeError as err:
        raise ModesFileError(f"{where}: not valid TOML: {err}") from None
    defaults = data.get("defaults", {})
    modes = data.get("modes", {})
    if not isinstance(modes, dict) or not modes:
        raise ModesFileError(f"{where}: defines no [modes.NAME] tables")
    missing = [m for m in REQUIRED_MODES if m not in modes]
    if missing:
        raise ModesFileError(f"{where}: missing modes {', '.join(missing)}")
    return {name: _settings(name, _merge(defaults, table), where) for name, table in modes.items()}
