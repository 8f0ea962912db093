"""A wearer's connection to the memory file: opened private and migrated, one lock, transactions.

The plumbing under `MemoryStore` (store.py), which holds what is kept. One connection per store,
guarded by a lock (`check_same_thread=False`): the agent writes from its worker thread while the
simulator may read. Every error the database raises comes out as one `MemoryStoreError` line naming
the file.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from glasses_agent.memory.database import BUSY_TIMEOUT_S, check_synchronous, default_memory_path, open_database
from glasses_agent.memory.errors import MemoryStoreError
from glasses_agent.memory.migrations import schema_version
from glasses_agent.memory.values import nonempty_name


class WearerConnection:
    """The SQLite file at `path` (None: `default_memory_path()`), opened for one wearer."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        wearer: str,
        *,
        keep_frames: bool = False,
        create: bool = True,
        synchronous: str = "NORMAL",
        busy_timeout_s: float = BUSY_TIMEOUT_S,
    ) -> None:
        self.wearer = nonempty_name(wearer, "wearer")
        self.keep_frames = bool(keep_frames)
        self.path = Path(path) if path is not None else default_memory_path()
        check_synchronous(synchronous)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = open_database(
            self.path, create=create, synchronous=synchronous, busy_timeout_s=busy_timeout_s
        )

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, wearer={self.wearer!r}, keep_frames={self.keep_frames})"

    @property
    def schema_version(self) -> int:
        with self._read() as conn:
            return schema_version(conn)

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise MemoryStoreError("the memory store is closed")
            try:
                yield self._conn
            except sqlite3.Error as err:
                raise MemoryStoreError(f"memory database {self.path}: {err}") from None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction; BEGIN IMMEDIATE takes the write lock up front (no upgrade deadlock)."""
        with self._read() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # also when COMMIT itself failed (e.g. busy)
                    conn.execute("ROLLBACK")
                raise

    def _truncate_wal(self, conn: sqlite3.Connection) -> None:
        # After erasing: copy the zeroed pages home and empty the WAL, where old page images
        # (with the erased rows) would otherwise stay until the next checkpoint.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


__all__ = ["WearerConnection"]
