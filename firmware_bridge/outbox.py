"""Prompts on their way to devices, kept in SQLite until the device acknowledges them.

A prompt leaves the outbox when the device acks it (displayed, dismissed, helpful) or when it
expires (never shown late). An expired prompt is remembered (table `expired`) for
FEEDBACK_GRACE_NS, so that a late ack is told apart from an ack for a prompt that was never sent,
and a wearer's late `helpful` or `dismissed` still teaches the critic. Until it leaves, a prompt is
re-sent whenever the device (re)appears online or the bridge reconnects to the broker; the device de-duplicates by id, so a re-send is never shown
twice. WAL mode and a commit per change: a bridge killed at any moment loses nothing it accepted.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    device_id   TEXT NOT NULL,
    prompt_id   TEXT NOT NULL,
    record      TEXT NOT NULL,
    expires_ns  INTEGER NOT NULL,
    sent        INTEGER NOT NULL DEFAULT 0,
    created_ns  INTEGER NOT NULL,
    PRIMARY KEY (device_id, prompt_id)
);
CREATE TABLE IF NOT EXISTS delivered (
    device_id   TEXT NOT NULL,
    prompt_id   TEXT NOT NULL,
    state       TEXT NOT NULL,
    acked_ns    INTEGER NOT NULL,
    PRIMARY KEY (device_id, prompt_id, state)
);
CREATE TABLE IF NOT EXISTS expired (
    device_id   TEXT NOT NULL,
    prompt_id   TEXT NOT NULL,
    expires_ns  INTEGER NOT NULL,
    PRIMARY KEY (device_id, prompt_id)
);
"""

# How long after its expiry a prompt still takes feedback (and is answered `expired_prompt`
# rather than `unknown_prompt`): ten minutes, long enough for a wearer who answers late or a
# device that was offline for a while, short enough that the table stays small.
FEEDBACK_GRACE_NS = 600 * 1_000_000_000


class Outbox:
    """Prompts waiting for a device's ack, in SQLite (WAL): re-sent until acked or expired, and
    expired ones remembered for the feedback grace period (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self.expired = 0
        self._final_count: int | None = None

    def put(self, device_id: str, record: dict[str, Any], expires_ns: int, now_ns: int) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO outbox (device_id, prompt_id, record, expires_ns, created_ns) VALUES (?, ?, ?, ?, ?)",
            (device_id, record["id"], json.dumps(record, sort_keys=True), expires_ns, now_ns),
        )

    def mark_sent(self, device_id: str, prompt_id: str) -> None:
        self._db.execute("UPDATE outbox SET sent = sent + 1 WHERE device_id = ? AND prompt_id = ?", (device_id, prompt_id))

    def ack(self, device_id: str, prompt_id: str, state: str, now_ns: int) -> str:
        """Record an ack. Returns what the prompt was: "pending" (waiting, now delivered),
        "delivered" (acked before), "expired" (expired less than FEEDBACK_GRACE_NS ago),
        "expired_long_ago" or "unknown" (never sent to this device, or forgotten)."""
        self.expire(device_id, now_ns)
        cur = self._db.execute("DELETE FROM outbox WHERE device_id = ? AND prompt_id = ?", (device_id, prompt_id))
        if cur.rowcount > 0:
            what = "pending"
        elif self._db.execute("SELECT 1 FROM delivered WHERE device_id = ? AND prompt_id = ?",
                              (device_id, prompt_id)).fetchone() is not None:
            what = "delivered"
        else:
            return self.expiry_of(device_id, prompt_id, now_ns)
        self._db.execute("INSERT OR IGNORE INTO delivered VALUES (?, ?, ?, ?)", (device_id, prompt_id, state, now_ns))
        return what

    def expiry_of(self, device_id: str, prompt_id: str, now_ns: int) -> str:
        """"expired" within the grace, "expired_long_ago" after it, "unknown" when never seen expiring."""
        row = self._db.execute("SELECT expires_ns FROM expired WHERE device_id = ? AND prompt_id = ?",
                               (device_id, prompt_id)).fetchone()
        if row is None:
            return "unknown"
        return "expired" if now_ns - row[0] <= FEEDBACK_GRACE_NS else "expired_long_ago"

    def expire(self, device_id: str, now_ns: int) -> list[str]:
        """Move a device's prompts past their expiry out of the outbox; their ids, oldest first."""
        rows = self._db.execute(
            "SELECT prompt_id, expires_ns FROM outbox WHERE device_id = ? AND expires_ns <= ? ORDER BY created_ns, prompt_id",
            (device_id, now_ns)).fetchall()
        if rows:
            self._db.executemany("INSERT OR REPLACE INTO expired VALUES (?, ?, ?)", [(device_id, pid, exp) for pid, exp in rows])
            self._db.execute("DELETE FROM outbox WHERE device_id = ? AND expires_ns <= ?", (device_id, now_ns))
            # Forget expiries twice the grace old: kept long enough to answer `expired_prompt`.
            self._db.execute("DELETE FROM expired WHERE expires_ns < ?", (now_ns - 2 * FEEDBACK_GRACE_NS,))
            self.expired += len(rows)
        return [pid for pid, _ in rows]

    def pending(self, device_id: str, now_ns: int) -> list[dict[str, Any]]:
        """Unacked, unexpired prompts for a device, oldest first; expired ones are moved out here."""
        self.expire(device_id, now_ns)
        rows = self._db.execute(
            "SELECT record FROM outbox WHERE device_id = ? ORDER BY created_ns, prompt_id", (device_id,)
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def devices(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT DISTINCT device_id FROM outbox")]

    def count(self, device_id: str | None = None) -> int:
        if self._final_count is not None and device_id is None:
            return self._final_count  # closed: what was left at the end, for summaries
        if device_id is None:
            return self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM outbox WHERE device_id = ?", (device_id,)).fetchone()[0]

    def close(self) -> None:
        if self._final_count is None:
            self._final_count = self.count()
            self._db.close()
