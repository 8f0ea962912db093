"""Progress of long commands (training, probes, the scenario suite): a rich bar with the elapsed
time and an ETA on a terminal; plain lines elsewhere (CI logs, pipes), at most one every
`plain_every_s` seconds plus the ones marked `important`, so a log stays readable.

    with Progress("scenarios", total=len(plan)) as progress:
        for name in plan:
            progress.update(advance=1, note=name)
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any


class Progress:
    """A bar (terminal) or throttled lines (elsewhere) on stderr; see the module docstring."""

    def __init__(self, description: str, total: int | None, *, stream: IO[str] | None = None,
                 plain_every_s: float = 10.0, tty: bool | None = None) -> None:
        self.description = description
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.plain_every_s = plain_every_s
        self.completed = 0
        self._t0 = time.perf_counter()
        self._last_line = float("-inf")
        self._rich: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.tty:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._rich = RichProgress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[note]}"),
                console=Console(file=self.stream), transient=False,
            )
            self._rich.start()
            self._task = self._rich.add_task(self.description, total=self.total, note="")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def update(self, *, advance: int = 0, completed: int | None = None, note: str = "", important: bool = False) -> None:
        """Move on by `advance` (or to `completed`); `note` is shown beside the bar (or in the line)."""
        self.completed = completed if completed is not None else self.completed + advance
        if self._rich is not None:
            self._rich.update(self._task, completed=self.completed, note=note)
            if important and note:  # kept above the bar, as the plain lines keep it in a log
                self._rich.console.print(f"{self.description}: {note}")
            return
        now = time.perf_counter()
        finished = self.total is not None and self.completed >= self.total
        if important or finished or now - self._last_line >= self.plain_every_s:
            self._last_line = now
            print(self._plain_line(now, note), file=self.stream, flush=True)

    def set_total(self, total: int) -> None:
        """Say how many steps there are, once the work knows."""
        self.total = total
        if self._rich is not None:
            self._rich.update(self._task, total=total)

    def close(self) -> None:
        if self._rich is not None:
            self._rich.stop()
            self._rich = None

    def _plain_line(self, now: float, note: str) -> str:
        elapsed = now - self._t0
        of = f"/{self.total}" if self.total is not None else ""
        eta = ""
        if self.total and 0 < self.completed < self.total:
            eta = f", ETA {_clock(elapsed / self.completed * (self.total - self.completed))}"
        return f"{self.description}: {self.completed}{of} ({_clock(elapsed)}{eta})" + (f" {note}" if note else "")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"
