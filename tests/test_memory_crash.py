"""Persistent memory survives SIGKILL at any moment: nothing committed is lost, nothing is corrupt.

A child process (tests/support/memory_writer.py, no torch) writes sightings and re-enrollments
in a loop and prints each one only after its commit returned. The parent kills it with SIGKILL
at seeded random moments, then opens the database: `PRAGMA integrity_check` must say ok, every
reported write must be there, and at most one write per kill may be there unreported (the one
whose commit returned just before the kill, before its line was printed).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from glasses_agent.memory import CURRENT_VERSION, MemoryStore

if not hasattr(signal, "SIGKILL"):
    pytest.skip("needs POSIX signals", allow_module_level=True)

WRITER = Path(__file__).resolve().parent / "support" / "memory_writer.py"
KILLS = 60
SEED = 20240611


def start_writer(db: Path, seed: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(db), str(seed)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
    )


def kill(proc: subprocess.Popen) -> tuple[list[str], str]:
    """SIGKILL it; return the complete lines it had printed before dying, and its stderr."""
    os.kill(proc.pid, signal.SIGKILL)
    # Read through the text wrappers, not communicate(): communicate reads the raw pipes and
    # would skip lines that an earlier readline() had already buffered ahead.
    rest, err = proc.stdout.read(), proc.stderr.read()
    proc.wait(timeout=10)
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, err
    return [line for line in rest.splitlines(keepends=True) if line.endswith("\n")], err


def check(db: Path) -> tuple[set[int], int]:
    """Integrity, and what is there: the sighting ids and the enrollment's count."""
    conn = sqlite3.connect(db, timeout=5)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        ids = {r[0] for r in conn.execute("SELECT id FROM sightings WHERE wearer = 'crash'")}
        row = conn.execute("SELECT count FROM enrollments WHERE wearer = 'crash' AND name = 'keys'").fetchone()
    finally:
        conn.close()
    return ids, (row[0] if row else 0)


def test_sigkill_at_random_moments_loses_no_committed_write(tmp_path: Path):
    rng = random.Random(SEED)
    db = tmp_path / "memory.sqlite3"
    reported: set[int] = set()
    reported_count = 0  # the highest enrollment count the child reported as committed
    ids_before, count_before = set(), 0
    started = time.monotonic()
    for kill_no in range(KILLS):
        proc = start_writer(db, seed=rng.randrange(2**31))
        ready = proc.stdout.readline()
        if not ready.startswith("ready"):
            proc.kill()
            pytest.fail(f"writer did not start: {ready!r} {proc.communicate()[1]}")
        assert ready.strip() == "ready torch=False"
        lines = [proc.stdout.readline() for _ in range(rng.randrange(0, 15))]
        time.sleep(rng.uniform(0, 0.004))  # land anywhere: mid-statement, mid-commit, mid-print
        more, err = kill(proc)
        assert all(lines), f"kill {kill_no}: the writer died on its own: {err.strip()[-300:]}"
        new_sightings, new_enrolls = set(), 0
        for line in lines + more:
            tag, value = line.split()
            if tag == "s":
                new_sightings.add(int(value))
            else:
                new_enrolls += 1
                reported_count = max(reported_count, int(value))

        ids, count = check(db)
        reported |= new_sightings
        assert reported <= ids, f"kill {kill_no}: committed sightings lost: {sorted(reported - ids)}"
        assert count >= reported_count, f"kill {kill_no}: committed enrollment lost"
        unreported = len(ids - ids_before - new_sightings) + (count - count_before - new_enrolls)
        assert unreported in (0, 1), f"kill {kill_no}: {unreported} writes appeared that were never reported"
        ids_before, count_before = ids, count
    assert len(reported) > 100, "the writer should have got through many commits"
    # A guard against a writer or recovery that hangs, not a speed test: on a loaded 2-core
    # machine the kills took 34 s, so the bound is wide.
    assert time.monotonic() - started < 180

    with MemoryStore(db, "crash") as store:  # the survivor opens as a store, too
        assert store.stats()["sightings"] == len(ids_before)
        assert store.enrollment("keys").count == count_before


def test_sigkill_while_creating_a_fresh_database(tmp_path: Path):
    """Killed during open and migrations: the file is at some whole schema version, and opens."""
    rng = random.Random(SEED + 1)
    for attempt in range(8):
        db = tmp_path / f"fresh-{attempt}.sqlite3"
        proc = start_writer(db, seed=attempt)
        time.sleep(rng.uniform(0.0, 0.25))  # from before the imports finish to after the first writes
        kill(proc)
        if db.exists():
            conn = sqlite3.connect(db)
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            conn.close()
            assert 0 <= version <= CURRENT_VERSION
            assert ("thumbnails" in tables) == (version >= 3)  # a schema step is all or nothing
            assert ("sightings" in tables) == (version >= 1)
        with MemoryStore(db, "crash") as store:
            assert store.schema_version == CURRENT_VERSION
