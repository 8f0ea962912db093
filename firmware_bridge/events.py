"""The bridge's structured log: one line per thing that happened to a device.

    events = EventLog(stream=sys.stderr, fmt="json")
    events.emit("online", "dev1", firmware="1.2")

Events: online, offline, rejected (code, topic, seq), button (action, outcome), mode,
prompt_sent, prompt_resent, prompt_acked (state), prompt_expired, prompt_repeated,
feedback (label, late). Text lines read `2026-12-05T15:20:01.123Z online device=dev1
firmware=1.2`; JSON lines are one object each (`{"ts": ..., "event": ..., "device": ...}`) for
log shippers. The last EVENTS_KEPT events stay in memory (`recent`) for summaries and tests.
"""

from __future__ import annotations

import json
import time
from collections import Counter, deque
from typing import Any, TextIO

EVENT_NAMES = ("online", "offline", "rejected", "button", "mode", "prompt_sent", "prompt_resent", "prompt_acked",
               "prompt_expired", "prompt_repeated", "feedback")
LOG_FORMATS = ("text", "json")
EVENTS_KEPT = 1000


def _utc(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


def _text_value(value: Any) -> str:
    text = str(value)
    return json.dumps(text) if (not text or any(c in text for c in ' "=\n\t')) else text


class EventLog:
    """Writes each event as one line (text or JSON) to `stream` (None: kept in memory only)."""

    def __init__(self, stream: TextIO | None = None, fmt: str = "text") -> None:
        if fmt not in LOG_FORMATS:
            raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, got {fmt!r}")
        self.stream = stream
        self.fmt = fmt
        self.counts: Counter = Counter()
        self.recent: deque[dict[str, Any]] = deque(maxlen=EVENTS_KEPT)

    def emit(self, event: str, device: str | None, **fields: Any) -> dict[str, Any]:
        """Record one event (a name from EVENT_NAMES) about `device`; returns the record."""
        assert event in EVENT_NAMES, event
        record = {"ts": _utc(time.time()), "event": event, "device": device, **fields}
        self.counts[event] += 1
        self.recent.append(record)
        if self.stream is not None:
            self.stream.write(self.format(record) + "\n")
            self.stream.flush()
        return record

    def format(self, record: dict[str, Any]) -> str:
        if self.fmt == "json":
            return json.dumps(record, separators=(",", ":"), default=str)
        rest = " ".join(f"{k}={_text_value(v)}" for k, v in record.items() if k not in ("ts", "event") and v is not None)
        return f"{record['ts']} {record['event']} {rest}".rstrip()

    def of(self, event: str, device: str | None = None) -> list[dict[str, Any]]:
        """The kept events named `event` (about `device` when given), oldest first."""
        return [r for r in self.recent if r["event"] == event and (device is None or r["device"] == device)]
