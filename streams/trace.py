"""Trace and summary records: JSON lines that are byte-identical for identical runs.

Keys are sorted and floats rounded, so two `--speed max` replays of one recording can be
compared with `cmp`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from streams.stages import Stage
from streams.sync import Tick

FLOAT_DIGITS = 6


def _round_floats(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, FLOAT_DIGITS)
    if isinstance(obj, dict):
        return {k: _round_floats(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_round_floats(v) for v in obj]
    return obj


def dumps_record(record: dict[str, Any]) -> str:
    """One canonical JSON line: sorted keys, rounded floats, no spaces."""
    return json.dumps(_round_floats(record), sort_keys=True, separators=(",", ":"))


def tick_record(tick: Tick) -> dict[str, Any]:
    """The substrate's part of a trace record: when, and what the tick held."""
    return {
        "t_ns": tick.t_ns,
        "tick": tick.index,
        **tick.counts(),
        "audio_coverage": tick.audio_coverage,
        "audio_gaps": len(tick.audio_gaps_ns),
    }


class JsonlWriter:
    """Appends canonical JSON lines to a file, flushing each so a crash loses at most one line."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: IO[str] | None = None

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("w", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        if self._file is None:
            self.open()
        assert self._file is not None
        self._file.write(dumps_record(record) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class TickTraceStage(Stage):
    """Writes one trace record per tick and passes the tick on unchanged."""

    name = "trace"

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.writer = JsonlWriter(path)

    async def start(self) -> None:
        self.writer.open()

    async def process(self, tick: Tick) -> Tick:
        self.writer.write(tick_record(tick))
        return tick

    async def stop(self) -> None:
        self.writer.close()
        await super().stop()
