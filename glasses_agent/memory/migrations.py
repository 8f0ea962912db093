"""The memory database's schema, as an ordered list of migrations.

The schema version lives in `PRAGMA user_version` (0 = empty file). Migration N takes a database
at version N-1 to version N; each one runs in its own transaction together with the
`user_version` bump (SQLite's DDL and the header's user_version are both transactional), so a
crash or an error mid-migration leaves the database at the previous version, never between.

Rules for adding one: append, never edit a released step; every table keeps a `wearer` column
and every index leads with it (each query filters by wearer first).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from glasses_agent.memory.errors import SchemaError


@dataclass(frozen=True)
class Migration:
    """One step of the memory schema: its version, what it changes, and the statements that apply it."""

    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


def _run(*statements: str) -> Callable[[sqlite3.Connection], None]:
    # One statement per execute(): executescript() would COMMIT the migration's transaction.
    def apply(conn: sqlite3.Connection) -> None:
        for statement in statements:
            conn.execute(statement)

    return apply


V1 = _run(
    """CREATE TABLE sightings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        wearer TEXT NOT NULL,
        label TEXT NOT NULL,
        t_ns INTEGER NOT NULL,
        wall_time REAL NOT NULL,
        box_x REAL NOT NULL, box_y REAL NOT NULL, box_w REAL NOT NULL, box_h REAL NOT NULL,
        context TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX sightings_by_label ON sightings (wearer, label, wall_time)",
    """CREATE TABLE enrollments (
        wearer TEXT NOT NULL,
        name TEXT NOT NULL,
        modality TEXT NOT NULL CHECK (modality IN ('object', 'sound')),
        prototype BLOB NOT NULL,
        dim INTEGER NOT NULL,
        count INTEGER NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}',
        created_wall REAL NOT NULL,
        updated_wall REAL NOT NULL,
        PRIMARY KEY (wearer, name)
    )""",
    """CREATE TABLE prompts (
        wearer TEXT NOT NULL,
        id TEXT NOT NULL,
        t_ns INTEGER NOT NULL,
        kind TEXT NOT NULL,
        record TEXT NOT NULL,
        logged_wall REAL NOT NULL,
        PRIMARY KEY (wearer, id)
    )""",
    """CREATE TABLE feedback (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        wearer TEXT NOT NULL,
        prompt_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('helpful', 'dismissed')),
        context TEXT NOT NULL,
        t_ns INTEGER NOT NULL,
        wall_time REAL NOT NULL
    )""",
    "CREATE INDEX feedback_by_kind ON feedback (wearer, kind, context)",
    """CREATE TABLE params (
        wearer TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_wall REAL NOT NULL,
        PRIMARY KEY (wearer, key)
    )""",
)

# v2: a sighting says which recording or session it came from, and keeps its point in view
# (which may differ from the box centre, e.g. a tracked keypoint). Old rows get the box centre.
V2 = _run(
    "ALTER TABLE sightings ADD COLUMN source TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE sightings ADD COLUMN pos_x REAL",
    "ALTER TABLE sightings ADD COLUMN pos_y REAL",
    "UPDATE sightings SET pos_x = box_x + box_w / 2, pos_y = box_y + box_h / 2 WHERE pos_x IS NULL",
    "CREATE INDEX sightings_by_source ON sightings (wearer, source)",
)

# v3: opt-in thumbnails (JPEG, faces blurred before they are written).
V3 = _run(
    """CREATE TABLE thumbnails (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        wearer TEXT NOT NULL,
        label TEXT NOT NULL,
        t_ns INTEGER NOT NULL,
        wall_time REAL NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        faces_blurred INTEGER NOT NULL,
        jpeg BLOB NOT NULL
    )""",
    "CREATE INDEX thumbnails_by_label ON thumbnails (wearer, label, wall_time)",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "sightings, enrollments, prompts, feedback, params", V1),
    Migration(2, "sightings: source, position in view", V2),
    Migration(3, "opt-in thumbnails with faces blurred", V3),
)
CURRENT_VERSION = MIGRATIONS[-1].version

# The tables that hold a wearer's rows: what export() reads and wipe() erases.
WEARER_TABLES = ("sightings", "enrollments", "prompts", "feedback", "params", "thumbnails")


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(
    conn: sqlite3.Connection,
    target: int | None = None,
    migrations: Sequence[Migration] = MIGRATIONS,
    where: str = "memory database",
) -> int:
    """Bring the database up to `target` (default: the newest) and return the version reached.

    `conn` must be in autocommit mode (isolation_level=None): each step opens its own
    transaction. A database newer than this code knows is refused, not touched.
    """
    known = migrations[-1].version if migrations else 0
    target = known if target is None else target
    for index, step in enumerate(migrations, start=1):
        if step.version != index:
            raise SchemaError(f"migration list is out of order at step {index} (says v{step.version})")
    version = schema_version(conn)
    if version > known:
        raise SchemaError(
            f"{where} has schema v{version}, newer than this glasses-agent knows (v{known}); upgrade glasses-agent"
        )
    for step in migrations[version:target]:
        # IMMEDIATE: take the write lock first, so two processes opening an old file at once
        # migrate one after the other (the second then sees the new version and skips).
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) >= step.version:
                conn.execute("ROLLBACK")
                continue
            step.apply(conn)
            conn.execute(f"PRAGMA user_version = {int(step.version)}")
            conn.execute("COMMIT")
        except Exception as err:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(err, SchemaError):
                raise
            raise SchemaError(
                f"{where}: migration to v{step.version} ({step.description}) failed and was rolled back: {err}"
            ) from err
    return schema_version(conn)
