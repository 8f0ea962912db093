"""Where the memory's SQLite file lives and how it is opened: private, WAL, migrated.

Durability. The journal is WAL with `synchronous=NORMAL`. A commit then appends the transaction
to the -wal file with write(2) before `COMMIT` returns, but does not fsync it. Once write(2) has
returned, the bytes are in the kernel's page cache, which outlives the process: a SIGKILL (or a
crash, or an OOM kill) at any moment loses nothing committed, and the next open replays the WAL.
Only an OS crash or power loss can drop the last few commits, and even then WAL keeps the file
consistent (never corrupt). FULL would fsync on every commit, a cost the agent would pay on
every sighting for a failure (power loss) the glasses' battery management makes rare; pass
`synchronous="FULL"` where that matters. tests/test_memory_crash.py SIGKILLs a writer 50+ times.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from glasses_agent.memory.errors import InvalidValueError, MemoryStoreError, NoDatabaseError
from glasses_agent.memory.migrations import migrate

DB_NAME = "memory.sqlite3"
BUSY_TIMEOUT_S = 5.0
SYNCHRONOUS_MODES = ("NORMAL", "FULL", "EXTRA")


def default_memory_path() -> Path:
    """`$GLASSES_AGENT_HOME/memory.sqlite3`, else `$XDG_DATA_HOME` (~/.local/share)/glasses-agent/."""
    home = os.environ.get("GLASSES_AGENT_HOME")
    if home:
        return Path(home).expanduser() / DB_NAME
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "glasses-agent" / DB_NAME


def check_synchronous(synchronous: str) -> str:
    """The SQLite `synchronous` mode, upper-cased; InvalidValueError for anything else."""
    if synchronous.upper() not in SYNCHRONOUS_MODES:
        raise InvalidValueError(f"synchronous must be NORMAL, FULL or EXTRA, got {synchronous!r}")
    return synchronous.upper()


def open_database(path: Path, *, create: bool, synchronous: str, busy_timeout_s: float) -> sqlite3.Connection:
    """One autocommit connection to the memory file at `path`, in WAL mode, migrated to the current schema.

    A missing file is created private to its owner (unless `create` is False: NoDatabaseError);
    a folder, a file that is not SQLite, or a file system that refuses WAL is a MemoryStoreError.
    """
    if not path.exists():
        if not create:
            raise NoDatabaseError(f"no memory database at {path} (nothing has been remembered yet)")
        _create_private_file(path)
    elif path.is_dir():
        raise MemoryStoreError(f"{path} is a folder, expected a memory database file")
    try:
        conn = sqlite3.connect(str(path), timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as err:
        raise MemoryStoreError(f"cannot open memory database {path}: {err}") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise MemoryStoreError(f"{path}: the file system refused WAL journaling (got {mode})")
        conn.execute(f"PRAGMA synchronous = {check_synchronous(synchronous)}")
        conn.execute("PRAGMA secure_delete = ON")
        migrate(conn, where=f"memory database {path}")
    except sqlite3.DatabaseError as err:
        conn.close()
        raise MemoryStoreError(f"{path} is not a usable memory database: {err}") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _create_private_file(path: Path) -> None:
    # Memories are personal: the folder and the file (and so SQLite's -wal/-shm beside it,
    # which copy the file's mode) are the owner's only.
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as err:
        raise MemoryStoreError(f"cannot create memory database {path}: {err.strerror or err}") from None
