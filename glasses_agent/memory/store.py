"""Persistent memory: one SQLite file, partitioned by wearer.

Durability and where the file lives: database.py (WAL, opened private, migrated); the connection,
its lock and its transactions: connection.py.

Privacy. Every table has a `wearer` column and every statement here filters by the store's own
wearer, which is fixed when the store is opened: the API has no way to read across wearers.
Deleted rows are overwritten (`secure_delete`), and forget/wipe truncate the WAL afterwards,
so erased memories do not linger in the file. Frames are refused unless the wearer opted in
(`keep_frames=True`), and then faces are blurred before anything is written.

Threads. One connection per store, guarded by a lock (connection.py): the agent writes from its
worker thread while the simulator may read.
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np

from glasses_agent.memory.connection import WearerConnection
from glasses_agent.memory.errors import FramesNotKeptError, InvalidValueError, UnknownNameError
from glasses_agent.memory.migrations import CURRENT_VERSION, WEARER_TABLES, schema_version
from glasses_agent.memory.records import MODALITIES, VERDICTS, Enrollment, Feedback, LabelSummary, Sighting, Thumbnail
from glasses_agent.memory.values import json_text, nonempty_name, unit_value


class MemoryStore(WearerConnection):
    """A wearer's persistent memory in the SQLite file at `path` (None: `default_memory_path()`)."""

    # -- sightings -----------------------------------------------------------------------------

    def add_sighting(
        self,
        label: str,
        t_ns: int,
        wall_time: float | None = None,
        box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0),
        position: tuple[float, float] | None = None,
        context: dict[str, Any] | None = None,
        source: str = "",
    ) -> int:
        """Remember that `label` was seen; returns the sighting's id once it is committed.

        `position` defaults to the box centre; `wall_time` to now.
        """
        label = nonempty_name(label, "label")
        if not isinstance(box, (tuple, list, np.ndarray)) or len(box) != 4:
            raise InvalidValueError(f"box must be (x, y, w, h), got {box!r}")
        x, y, w, h = (unit_value(v, f"box[{i}]") for i, v in enumerate(box))
        if position is None:
            position = (min(1.0, x + w / 2), min(1.0, y + h / 2))
        if not isinstance(position, (tuple, list, np.ndarray)) or len(position) != 2:
            raise InvalidValueError(f"position must be (x, y), got {position!r}")
        px, py = (unit_value(v, f"position[{i}]") for i, v in enumerate(position))
        wall = time.time() if wall_time is None else float(wall_time)
        row = (self.wearer, label, int(t_ns), wall, x, y, w, h, px, py, json_text(context or {}, "context"), str(source))
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO sightings (wearer, label, t_ns, wall_time, box_x, box_y, box_w, box_h,"
                " pos_x, pos_y, context, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid)

    _SIGHTING_COLUMNS = "id, label, t_ns, wall_time, box_x, box_y, box_w, box_h, pos_x, pos_y, context, source"

    @staticmethod
    def _sighting(row: tuple) -> Sighting:
        id_, label, t_ns, wall, x, y, w, h, px, py, context, source = row
        return Sighting(id_, label, t_ns, wall, (x, y, w, h), (px, py), json.loads(context), source)

    def last_sighting(self, label: str) -> Sighting | None:
        """The latest sighting of `label` (by wall time, then stream time), or None."""
        found = self.sightings(label, limit=1)
        return found[0] if found else None

    def sightings(
        self, label: str | None = None, since: float | None = None, limit: int | None = 100, source: str | None = None
    ) -> list[Sighting]:
        """Sightings, newest first; `since` is a wall time (seconds since the epoch)."""
        sql = f"SELECT {self._SIGHTING_COLUMNS} FROM sightings WHERE wearer = ?"
        args: list[Any] = [self.wearer]
        if label is not None:
            sql += " AND label = ?"
            args.append(label)
        if since is not None:
            sql += " AND wall_time >= ?"
            args.append(float(since))
        if source is not None:
            sql += " AND source = ?"
            args.append(source)
        sql += " ORDER BY wall_time DESC, t_ns DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        with self._read() as conn:
            return [self._sighting(r) for r in conn.execute(sql, args)]

    def labels(self) -> list[LabelSummary]:
        """Every name remembered: enrolled ones and labels only ever sighted, by name."""
        with self._read() as conn:
            seen = {
                label: (n, last)
                for label, n, last in conn.execute(
                    "SELECT label, COUNT(*), MAX(wall_time) FROM sightings WHERE wearer = ? GROUP BY label",
                    (self.wearer,),
                )
            }
            enrolled = dict(conn.execute("SELECT name, modality FROM enrollments WHERE wearer = ?", (self.wearer,)))
        names = sorted(set(seen) | set(enrolled))
        return [LabelSummary(n, seen.get(n, (0, None))[0], seen.get(n, (0, None))[1], enrolled.get(n)) for n in names]

    # -- enrollments ---------------------------------------------------------------------------

    def enroll(
        self, name: str, modality: str, prototype: np.ndarray, meta: dict[str, Any] | None = None
    ) -> Enrollment:
        """Teach a name. Enrolling it again averages the prototypes (running mean) and merges meta."""
        name = nonempty_name(name)
        if modality not in MODALITIES:
            raise InvalidValueError(f"modality must be one of {', '.join(MODALITIES)}, got {modality!r}")
        vector = np.asarray(prototype, dtype=np.float64).reshape(-1)
        if vector.size == 0 or not np.all(np.isfinite(vector)):
            raise InvalidValueError(f"prototype of {name!r} must be a non-empty, finite vector")
        now = time.time()
        with self._write() as conn:
            row = conn.execute(
                "SELECT modality, prototype, dim, count, meta, created_wall FROM enrollments WHERE wearer = ? AND name = ?",
                (self.wearer, name),
            ).fetchone()
            if row is None:
                mean, count, merged, created = vector, 1, dict(meta or {}), now
            else:
                old_modality, blob, dim, count, old_meta, created = row
                if old_modality != modality:
                    raise InvalidValueError(f"{name!r} is enrolled as a {old_modality}, not a {modality}; forget it first")
                if dim != vector.size:
                    raise InvalidValueError(f"prototype of {name!r} has {vector.size} values, the enrolled one {dim}")
                old = np.frombuffer(blob, dtype="<f4").astype(np.float64)
                mean = (old * count + vector) / (count + 1)
                count += 1
                merged = {**json.loads(old_meta), **(meta or {})}
            stored = mean.astype("<f4")
            conn.execute(
                "INSERT OR REPLACE INTO enrollments (wearer, name, modality, prototype, dim, count, meta,"
                " created_wall, updated_wall) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.wearer, name, modality, stored.tobytes(), stored.size, count, json_text(merged, "meta"), created, now),
            )
        return Enrollment(name, modality, stored.astype(np.float32), count, merged, created, now)

    @staticmethod
    def _enrollment(row: tuple) -> Enrollment:
        name, modality, blob, count, meta, created, updated = row
        prototype = np.frombuffer(blob, dtype="<f4").astype(np.float32)
        return Enrollment(name, modality, prototype, count, json.loads(meta), created, updated)

    _ENROLLMENT_COLUMNS = "name, modality, prototype, count, meta, created_wall, updated_wall"

    def enrollment(self, name: str) -> Enrollment:
        """The enrollment of `name`; UnknownNameError when the wearer never enrolled it."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {self._ENROLLMENT_COLUMNS} FROM enrollments WHERE wearer = ? AND name = ?",
                (self.wearer, name),
            ).fetchone()
        if row is None:
            raise UnknownNameError(f"nothing is enrolled as {name!r} for wearer {self.wearer!r}")
        return self._enrollment(row)

    def enrollments(self, modality: str | None = None) -> list[Enrollment]:
        sql = f"SELECT {self._ENROLLMENT_COLUMNS} FROM enrollments WHERE wearer = ?"
        args: list[Any] = [self.wearer]
        if modality is not None:
            sql += " AND modality = ?"
            args.append(modality)
        with self._read() as conn:
            return [self._enrollment(r) for r in conn.execute(sql + " ORDER BY name", args)]

    def forget(self, name: str) -> dict[str, int]:
        """Erase `name`: its enrollment, sightings and thumbnails. Returns how many of each went."""
        with self._write() as conn:
            key = (self.wearer, name)
            gone = {
                "enrollment": conn.execute("DELETE FROM enrollments WHERE wearer = ? AND name = ?", key).rowcount,
                "sightings": conn.execute("DELETE FROM sightings WHERE wearer = ? AND label = ?", key).rowcount,
                "thumbnails": conn.execute("DELETE FROM thumbnails WHERE wearer = ? AND label = ?", key).rowcount,
            }
            if not any(gone.values()):
                raise UnknownNameError(f"nothing is remembered as {name!r} for wearer {self.wearer!r}")
        with self._read() as conn:
            self._truncate_wal(conn)
        return gone

    # -- prompts, feedback, learned parameters -------------------------------------------------

    def log_prompt(self, prompt: dict[str, Any]) -> bool:
        """Keep a sent prompt record (needs "id", "t_ns", "kind"); False if that id is already logged."""
        try:
            prompt_id, t_ns, kind = str(prompt["id"]), int(prompt["t_ns"]), nonempty_name(prompt["kind"], "kind")
        except (KeyError, TypeError, ValueError) as err:
            raise InvalidValueError(f"a prompt record needs id, t_ns and kind: {err}") from None
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO prompts (wearer, id, t_ns, kind, record, logged_wall) VALUES (?, ?, ?, ?, ?, ?)",
                (self.wearer, prompt_id, t_ns, kind, json_text(prompt, "prompt"), time.time()),
            )
            return cursor.rowcount == 1

    def prompts(self, kind: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Logged prompt records, oldest first (by logging order)."""
        sql = "SELECT record FROM prompts WHERE wearer = ?"
        args: list[Any] = [self.wearer]
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        sql += " ORDER BY logged_wall, rowid"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        with self._read() as conn:
            return [json.loads(r[0]) for r in conn.execute(sql, args)]

    def log_feedback(
        self, prompt_id: str, kind: str, verdict: str, context: str = "", t_ns: int = 0, wall_time: float | None = None
    ) -> int:
        """The wearer found prompt `prompt_id` (of `kind`) helpful or dismissed it; returns the row id."""
        if verdict not in VERDICTS:
            raise InvalidValueError(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
        wall = time.time() if wall_time is None else float(wall_time)
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO feedback (wearer, prompt_id, kind, verdict, context, t_ns, wall_time)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.wearer, str(prompt_id), nonempty_name(kind, "kind"), verdict, str(context), int(t_ns), wall),
            )
            return int(cursor.lastrowid)

    def feedback(self, kind: str | None = None, context: str | None = None) -> list[Feedback]:
        """Feedback, oldest first (the order the critic learns in)."""
        sql = "SELECT id, prompt_id, kind, verdict, context, t_ns, wall_time FROM feedback WHERE wearer = ?"
        args: list[Any] = [self.wearer]
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        if context is not None:
            sql += " AND context = ?"
            args.append(context)
        with self._read() as conn:
            return [Feedback(*r) for r in conn.execute(sql + " ORDER BY id", args)]

    def load_params(self, key: str) -> dict[str, Any] | None:
        with self._read() as conn:
            row = conn.execute("SELECT value FROM params WHERE wearer = ? AND key = ?", (self.wearer, key)).fetchone()
        return None if row is None else json.loads(row[0])

    def save_params(self, key: str, value: dict[str, Any]) -> None:
        if not isinstance(value, dict):
            raise InvalidValueError(f"parameters must be a dict, got {type(value).__name__}")
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO params (wearer, key, value, updated_wall) VALUES (?, ?, ?, ?)",
                (self.wearer, nonempty_name(key, "key"), json_text(value, "parameters"), time.time()),
            )

    # -- thumbnails (opt-in) -------------------------------------------------------------------

    def store_thumbnail(
        self,
        label: str,
        t_ns: int,
        image_rgb: np.ndarray,
        wall_time: float | None = None,
        max_side: int | None = 640,
        quality: int = 85,
    ) -> int:
        """Keep a frame of `label`, faces blurred first, as JPEG; only when the wearer opted in."""
        if not self.keep_frames:
            raise FramesNotKeptError(
                f"frames are not kept for wearer {self.wearer!r}: the wearer has not opted in (keep_frames=True)"
            )
        label = nonempty_name(label, "label")
        from glasses_agent.memory import privacy  # cv2 loads only for wearers who keep frames

        blurred, faces = privacy.blur_faces(image_rgb)
        jpeg, width, height = privacy.encode_thumbnail(blurred, max_side=max_side, quality=quality)
        wall = time.time() if wall_time is None else float(wall_time)
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO thumbnails (wearer, label, t_ns, wall_time, width, height, faces_blurred, jpeg)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (self.wearer, label, int(t_ns), wall, width, height, len(faces), jpeg),
            )
            return int(cursor.lastrowid)

    def thumbnails(self, label: str | None = None) -> list[Thumbnail]:
        """Kept frames (of one label, or all), newest first."""
        sql = "SELECT id, label, t_ns, wall_time, width, height, faces_blurred, jpeg FROM thumbnails WHERE wearer = ?"
        args: list[Any] = [self.wearer]
        if label is not None:
            sql += " AND label = ?"
            args.append(label)
        with self._read() as conn:
            return [Thumbnail(*r[:7], bytes(r[7])) for r in conn.execute(sql + " ORDER BY wall_time DESC, id DESC", args)]

    # -- the wearer's whole memory -------------------------------------------------------------

    def export(self) -> dict[str, Any]:
        """Everything kept about this wearer, JSON-able (prototypes as lists, JPEGs as base64)."""
        with self._read():  # one lock hold: a consistent picture even while the agent writes
            return {
                "format": "glasses-agent-memory",
                "schema_version": self.schema_version,
                "wearer": self.wearer,
                "exported_wall": time.time(),
                "sightings": [s.as_dict() for s in reversed(self.sightings(limit=None))],
                "enrollments": [e.as_dict() for e in self.enrollments()],
                "prompts": self.prompts(),
                "feedback": [f.as_dict() for f in self.feedback()],
                "params": self._all_params(),
                "thumbnails": [t.as_dict() for t in reversed(self.thumbnails())],
            }

    def _all_params(self) -> dict[str, Any]:
        with self._read() as conn:
            rows = conn.execute("SELECT key, value FROM params WHERE wearer = ? ORDER BY key", (self.wearer,))
            return {key: json.loads(value) for key, value in rows}

    def wipe(self, vacuum: bool = False) -> dict[str, int]:
        """Erase every row of this wearer (other wearers keep theirs); returns rows erased per table."""
        with self._write() as conn:
            gone = {t: conn.execute(f"DELETE FROM {t} WHERE wearer = ?", (self.wearer,)).rowcount for t in WEARER_TABLES}
        with self._read() as conn:
            self._truncate_wal(conn)
            if vacuum:
                conn.execute("VACUUM")  # shrink the file too (secure_delete already zeroed the rows)
        return gone

    def stats(self) -> dict[str, Any]:
        with self._read() as conn:
            counts = {
                t: conn.execute(f"SELECT COUNT(*) FROM {t} WHERE wearer = ?", (self.wearer,)).fetchone()[0]
                for t in WEARER_TABLES
            }
            first, last, labels = conn.execute(
                "SELECT MIN(wall_time), MAX(wall_time), COUNT(DISTINCT label) FROM sightings WHERE wearer = ?",
                (self.wearer,),
            ).fetchone()
            version = schema_version(conn)
        return {
            "path": str(self.path),
            "wearer": self.wearer,
            "schema_version": version,
            "keep_frames": self.keep_frames,
            **counts,
            "labels": labels,
            "first_sighting_wall": first,
            "last_sighting_wall": last,
        }


__all__ = ["CURRENT_VERSION", "MemoryStore"]
