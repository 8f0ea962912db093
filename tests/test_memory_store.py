"""The persistent memory store: round trips, wearer partitioning, migrations, erasure, privacy."""

from __future__ import annotations

import json
import sqlite3
import stat
import threading
from pathlib import Path

import numpy as np
import pytest

from glasses_agent.memory import (
    CURRENT_VERSION,
    FramesNotKeptError,
    InvalidValueError,
    MemoryStore,
    MemoryStoreError,
    NoDatabaseError,
    SchemaError,
    UnknownNameError,
    default_memory_path,
)
from glasses_agent.memory.migrations import MIGRATIONS, WEARER_TABLES, Migration, migrate, schema_version

# A real photograph with a face that OpenCV's frontal cascade finds (Debian: opencv-doc).


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "memory.sqlite3"


@pytest.fixture
def store(db: Path):
    with MemoryStore(db, "alice") as s:
        yield s


def one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert text and "\n" not in text, text
    return text


# -- sightings ---------------------------------------------------------------------------------


def test_sighting_round_trip(store: MemoryStore):
    sid = store.add_sighting(
        "keys", 1_500_000_000, wall_time=1000.0, box=(0.6, 0.5, 0.2, 0.1),
        context={"nearby": ["mug", "laptop"], "mode": "explore"}, source="rec-1",
    )
    got = store.last_sighting("keys")
    assert got is not None and got.id == sid
    assert (got.label, got.t_ns, got.wall_time, got.source) == ("keys", 1_500_000_000, 1000.0, "rec-1")
    assert got.box == pytest.approx((0.6, 0.5, 0.2, 0.1))
    assert got.position == pytest.approx((0.7, 0.55))  # defaults to the box centre
    assert got.context == {"nearby": ["mug", "laptop"], "mode": "explore"}
    assert store.last_sighting("wallet") is None


def test_sightings_are_newest_first_and_filter(store: MemoryStore):
    for i in range(5):
        store.add_sighting("keys", i, wall_time=100.0 + i, box=(0.1, 0.1, 0.1, 0.1), position=(0.2, 0.3),
                           source="a" if i < 3 else "b")
    store.add_sighting("mug", 9, wall_time=50.0)
    assert [s.t_ns for s in store.sightings("keys")] == [4, 3, 2, 1, 0]
    assert [s.t_ns for s in store.sightings("keys", since=102.0)] == [4, 3, 2]
    assert [s.t_ns for s in store.sightings("keys", limit=2)] == [4, 3]
    assert [s.t_ns for s in store.sightings(source="a")] == [2, 1, 0]
    assert len(store.sightings()) == 6
    assert store.sightings("keys")[0].position == (0.2, 0.3)
    assert store.last_sighting("keys").t_ns == 4
    assert [(s.label, s.sightings, s.last_wall) for s in store.labels()] == [("keys", 5, 104.0), ("mug", 1, 50.0)]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"label": ""}, "label must be a non-empty string"),
        ({"box": (0.5, 0.5, 2.0, 0.1)}, "box[2] must be normalised to 0..1"),
        ({"box": (float("nan"), 0, 0, 0)}, "box[0] must be normalised"),
        ({"box": (0.1, 0.2)}, "box must be (x, y, w, h)"),
        ({"position": (0.5, -3)}, "position[1] must be normalised"),
        ({"context": {"frame": object()}}, "context must be JSON-serialisable"),
    ],
)
def test_bad_sightings_are_refused_in_one_line(store: MemoryStore, kwargs, message):
    args = {"label": "keys", "t_ns": 0, **kwargs}
    with pytest.raises(InvalidValueError) as err:
        store.add_sighting(**args)
    assert message in one_line(err)
    assert store.sightings() == []


def test_a_box_slightly_outside_the_view_is_clipped(store: MemoryStore):
    store.add_sighting("keys", 0, box=(-0.02, 0.9, 0.1, 0.12))
    assert store.last_sighting("keys").box == pytest.approx((0.0, 0.9, 0.1, 0.12))


# -- enrollments -------------------------------------------------------------------------------


def test_enroll_again_averages_and_counts(store: MemoryStore):
    first = store.enroll("keys", "object", np.array([1, 0, 0, 0], np.float32), {"by": "button"})
    assert first.count == 1 and first.prototype.dtype == np.float32
    store.enroll("keys", "object", np.array([0, 1, 0, 0], np.float32), {"room": "hall"})
    third = store.enroll("keys", "object", np.array([0, 0, 1, 0], np.float32))
    assert third.count == 3
    np.testing.assert_allclose(third.prototype, [1 / 3, 1 / 3, 1 / 3, 0], rtol=1e-6)
    got = store.enrollment("keys")
    np.testing.assert_array_equal(got.prototype, third.prototype)
    assert got.meta == {"by": "button", "room": "hall"} and got.count == 3 and got.modality == "object"
    store.enroll("doorbell", "sound", np.ones(8, np.float32))
    assert [e.name for e in store.enrollments()] == ["doorbell", "keys"]
    assert [e.name for e in store.enrollments("sound")] == ["doorbell"]


@pytest.mark.parametrize(
    "modality, prototype, message",
    [
        ("sound", np.zeros(4, np.float32), "'keys' is enrolled as a object, not a sound"),
        ("object", np.zeros(5, np.float32), "has 5 values, the enrolled one 4"),
        ("smell", np.zeros(4, np.float32), "modality must be one of object, sound"),
        ("object", np.array([np.nan, 0, 0, 0], np.float32), "non-empty, finite vector"),
    ],
)
def test_bad_enrollments_are_refused(store: MemoryStore, modality, prototype, message):
    store.enroll("keys", "object", np.ones(4, np.float32))
    with pytest.raises(InvalidValueError) as err:
        store.enroll("keys", modality, prototype)
    assert message in one_line(err)
    assert store.enrollment("keys").count == 1


def test_unknown_names_raise_one_clear_line(store: MemoryStore):
    with pytest.raises(UnknownNameError) as err:
        store.enrollment("wallet")
    assert one_line(err) == "nothing is enrolled as 'wallet' for wearer 'alice'"
    with pytest.raises(MemoryStoreError) as err:  # UnknownNameError is a MemoryStoreError
        store.forget("wallet")
    assert one_line(err) == "nothing is remembered as 'wallet' for wearer 'alice'"


def test_forget_removes_the_enrollment_and_its_sightings_only(store: MemoryStore):
    store.enroll("keys", "object", np.ones(4, np.float32))
    for i in range(3):
        store.add_sighting("keys", i)
    store.add_sighting("mug", 5)
    assert store.forget("keys") == {"enrollment": 1, "sightings": 3, "thumbnails": 0}
    assert store.last_sighting("keys") is None and store.enrollments() == []
    assert [s.label for s in store.sightings()] == ["mug"]
    assert store.forget("mug") == {"enrollment": 0, "sightings": 1, "thumbnails": 0}  # a label only seen
    with pytest.raises(UnknownNameError):
        store.forget("keys")


# -- prompts, feedback, parameters -------------------------------------------------------------


def test_prompts_feedback_and_params(store: MemoryStore):
    prompt = {"id": "p1", "t_ns": 42, "kind": "object_seen", "text": "keys on the table", "priority": 1}
    assert store.log_prompt(prompt) is True
    assert store.log_prompt(prompt) is False  # de-duplicated by id
    store.log_prompt({"id": "p2", "t_ns": 50, "kind": "hazard", "text": "step"})
    assert store.prompts() == [prompt, {"id": "p2", "t_ns": 50, "kind": "hazard", "text": "step"}]
    assert [p["id"] for p in store.prompts(kind="hazard")] == ["p2"]

    store.log_feedback("p1", "object_seen", "helpful", context="explore", t_ns=60)
    store.log_feedback("p2", "hazard", "dismissed", context="navigate", t_ns=70)
    store.log_feedback("p3", "object_seen", "dismissed", context="navigate", t_ns=80)
    assert [f.prompt_id for f in store.feedback()] == ["p1", "p2", "p3"]
    assert [f.verdict for f in store.feedback(kind="object_seen")] == ["helpful", "dismissed"]
    assert [f.prompt_id for f in store.feedback(kind="object_seen", context="navigate")] == ["p3"]
    with pytest.raises(InvalidValueError) as err:
        store.log_feedback("p1", "object_seen", "meh")
    assert "verdict must be one of helpful, dismissed" in one_line(err)
    with pytest.raises(InvalidValueError):
        store.log_prompt({"text": "no id"})

    assert store.load_params("critic") is None
    store.save_params("critic", {"w": [0.5, -1.0], "b": 0.1, "steps": 3})
    store.save_params("critic", {"w": [0.25, -1.0], "b": 0.2, "steps": 4})
    assert store.load_params("critic") == {"w": [0.25, -1.0], "b": 0.2, "steps": 4}
    with pytest.raises(InvalidValueError):
        store.save_params("critic", {"w": float("nan")})  # a diverged critic is not saved over a good one
    with pytest.raises(InvalidValueError):
        store.save_params("critic", [1, 2])  # type: ignore[arg-type]
    assert store.load_params("critic")["steps"] == 4


# -- partitioning by wearer --------------------------------------------------------------------


def fill(store: MemoryStore, secret: str) -> None:
    """The same names, kinds and keys for every wearer; `secret` marks whose rows they are."""
    store.add_sighting("keys", 1, wall_time=10.0, context={"who": secret}, source=secret)
    store.add_sighting(f"only-{secret}", 2, wall_time=11.0, context={"who": secret})
    store.enroll("keys", "object", np.full(4, 1.0 if secret == "A-secret" else 2.0, np.float32), {"who": secret})
    store.log_prompt({"id": "p1", "t_ns": 1, "kind": "object_seen", "text": secret})
    store.log_feedback("p1", "object_seen", "helpful", context=secret, t_ns=1)
    store.save_params("critic", {"who": secret})


def test_a_wearer_never_sees_another_wearers_rows(db: Path):
    with MemoryStore(db, "A") as a, MemoryStore(db, "B") as b:
        fill(a, "A-secret")
        fill(b, "B-secret")
        outputs = [
            a.export(), a.stats(), [s.as_dict() for s in a.sightings(limit=None)], a.last_sighting("keys").as_dict(),
            [x.as_dict() for x in a.labels()], a.enrollment("keys").as_dict(), [e.as_dict() for e in a.enrollments()],
            a.prompts(), [f.as_dict() for f in a.feedback()], a.load_params("critic"), a.thumbnails(),
        ]
        text = json.dumps(outputs, default=str)
        assert "A-secret" in text and "B-secret" not in text
        assert a.last_sighting("only-B-secret") is None
        assert a.enrollment("keys").prototype.tolist() == [1.0] * 4
        with pytest.raises(UnknownNameError):
            a.forget("only-B-secret")
        before = b.export()
        a.wipe()
        assert a.stats()["sightings"] == 0 and a.export()["enrollments"] == []
        after = b.export()
        before.pop("exported_wall"), after.pop("exported_wall")
        assert after == before  # erasing A left B untouched


def test_every_table_has_a_wearer_column_and_every_statement_filters_by_it(db: Path):
    with MemoryStore(db, "A", keep_frames=True) as a:
        conn = sqlite3.connect(db)
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        assert sorted(tables) == sorted(WEARER_TABLES)
        for table in tables:
            assert "wearer" in [c[1] for c in conn.execute(f"PRAGMA table_info({table})")], table
        for (index,) in conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND name NOT LIKE 'sqlite_%'"):
            assert conn.execute(f"PRAGMA index_info({index})").fetchone()[2] == "wearer", index
        conn.close()

        statements: list[str] = []
        a._conn.set_trace_callback(statements.append)
        fill(a, "A-secret")
        a.store_thumbnail("keys", 1, np.zeros((32, 32, 3), np.uint8))
        a.sightings(label="keys", since=0, source="x"), a.labels(), a.enrollments("object"), a.prompts("x")
        a.feedback("x", "y"), a.thumbnails("keys"), a.export(), a.stats(), a.forget("keys"), a.wipe()
        touching = [s for s in statements if any(t in s for t in WEARER_TABLES) and not s.startswith("PRAGMA")]
        assert len(touching) > 25
        for statement in touching:
            assert "wearer" in statement, statement


# -- files, durability settings, errors on open ------------------------------------------------


def test_open_settings_and_private_file(db: Path):
    with MemoryStore(db, "alice") as store:
        conn = store._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL: see store.py on SIGKILL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert store.schema_version == CURRENT_VERSION
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
    with MemoryStore(db, "alice", synchronous="FULL") as store:
        assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2


def test_bad_files_and_closed_stores_are_one_line_errors(tmp_path: Path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database, just bytes" * 100)
    with pytest.raises(MemoryStoreError) as err:
        MemoryStore(junk, "alice")
    assert "is not a usable memory database" in one_line(err)
    with pytest.raises(NoDatabaseError) as err:
        MemoryStore(tmp_path / "none.sqlite3", "alice", create=False)
    assert "no memory database at" in one_line(err)
    assert not (tmp_path / "none.sqlite3").exists()
    with pytest.raises(MemoryStoreError) as err:
        MemoryStore(tmp_path, "alice")
    assert "is a folder" in one_line(err)
    with pytest.raises(InvalidValueError):
        MemoryStore(tmp_path / "m.sqlite3", "")
    store = MemoryStore(tmp_path / "m.sqlite3", "alice")
    store.close()
    store.close()  # idempotent
    with pytest.raises(MemoryStoreError) as err:
        store.sightings()
    assert one_line(err) == "the memory store is closed"


def test_default_path(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("GLASSES_AGENT_HOME", str(tmp_path / "home"))
    assert default_memory_path() == tmp_path / "home" / "memory.sqlite3"
    monkeypatch.delenv("GLASSES_AGENT_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_memory_path() == tmp_path / "xdg" / "glasses-agent" / "memory.sqlite3"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert default_memory_path() == tmp_path / "user" / ".local" / "share" / "glasses-agent" / "memory.sqlite3"
    with MemoryStore(None, "alice") as store:  # creates the private folder on first use
        store.add_sighting("keys", 0)
    assert stat.S_IMODE(default_memory_path().parent.stat().st_mode) == 0o700


def test_one_store_is_safe_across_threads(store: MemoryStore):
    ids: list[int] = []

    def worker(n: int) -> None:
        for i in range(40):
            ids.append(store.add_sighting(f"thing-{n}", i))
            store.last_sighting(f"thing-{n}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 160 and store.stats()["sightings"] == 160


def test_two_processes_worth_of_connections_share_the_file(db: Path):
    # The CLI reads while the agent writes: two stores (connections) on one file, WAL + busy timeout.
    with MemoryStore(db, "alice") as agent, MemoryStore(db, "alice") as cli:
        agent.add_sighting("keys", 1)
        assert cli.last_sighting("keys").t_ns == 1
        cli.forget("keys")
        assert agent.last_sighting("keys") is None


# -- migrations --------------------------------------------------------------------------------


def make_v1(db: Path) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    assert migrate(conn, target=1) == 1
    conn.execute(
        "INSERT INTO sightings (wearer, label, t_ns, wall_time, box_x, box_y, box_w, box_h, context)"
        " VALUES ('alice', 'keys', 7, 99.0, 0.2, 0.4, 0.2, 0.2, '{\"nearby\": [\"mug\"]}')"
    )
    conn.execute(
        "INSERT INTO enrollments VALUES ('alice', 'keys', 'object', ?, 2, 3, '{}', 1.0, 2.0)",
        (np.array([0.5, 0.25], "<f4").tobytes(),),
    )
    conn.close()


def test_a_v1_database_is_upgraded_to_current(db: Path):
    make_v1(db)
    with MemoryStore(db, "alice", keep_frames=True) as store:
        assert store.schema_version == CURRENT_VERSION == len(MIGRATIONS)
        old = store.last_sighting("keys")
        assert (old.t_ns, old.source, old.context) == (7, "", {"nearby": ["mug"]})
        assert old.position == pytest.approx((0.3, 0.5))  # back-filled from the box centre
        assert store.enrollment("keys").count == 3
        store.enroll("keys", "object", np.array([0.5, 0.25], np.float32))
        assert store.enrollment("keys").count == 4
        store.add_sighting("keys", 8, source="new")  # the v2 columns work
        store.store_thumbnail("keys", 8, np.zeros((16, 16, 3), np.uint8))  # the v3 table works
        assert [s.source for s in store.sightings("keys")] == ["new", ""]
    with MemoryStore(db, "alice") as store:  # opening again is a no-op
        assert store.schema_version == CURRENT_VERSION


def test_a_newer_database_is_refused_untouched(db: Path):
    with MemoryStore(db, "alice") as store:
        store.add_sighting("keys", 1)
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {CURRENT_VERSION + 5}")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaError) as err:
        MemoryStore(db, "alice")
    assert f"schema v{CURRENT_VERSION + 5}, newer than this glasses-agent knows (v{CURRENT_VERSION})" in one_line(err)


def test_a_failing_migration_is_rolled_back_whole(db: Path):
    def half_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE sightings ADD COLUMN half TEXT")
        conn.execute("THIS IS NOT SQL")

    steps = (MIGRATIONS[0], Migration(2, "breaks halfway", half_then_fail))
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, target=1, migrations=steps)
    with pytest.raises(SchemaError) as err:
        migrate(conn, migrations=steps)
    assert "migration to v2 (breaks halfway) failed and was rolled back" in one_line(err)
    assert schema_version(conn) == 1
    assert "half" not in [c[1] for c in conn.execute("PRAGMA table_info(sightings)")]
    conn.close()
    with MemoryStore(db, "alice") as store:  # the real migrations still take it to current
        assert store.schema_version == CURRENT_VERSION


# -- export, wipe, stats -----------------------------------------------------------------------


def test_export_is_json_and_complete_and_wipe_erases(db: Path):
    with MemoryStore(db, "alice", keep_frames=True) as store:
        fill(store, "A-secret")
        store.store_thumbnail("keys", 1, np.full((24, 24, 3), 128, np.uint8))
        data = json.loads(json.dumps(store.export(), allow_nan=False))
        assert data["format"] == "glasses-agent-memory" and data["wearer"] == "alice"
        assert data["schema_version"] == CURRENT_VERSION
        assert [s["label"] for s in data["sightings"]] == ["keys", "only-A-secret"]  # oldest first
        assert data["enrollments"][0]["prototype"] == [1.0, 1.0, 1.0, 1.0]
        assert data["prompts"][0]["id"] == "p1" and data["feedback"][0]["verdict"] == "helpful"
        assert data["params"] == {"critic": {"who": "A-secret"}}
        assert data["thumbnails"][0]["jpeg_base64"]
        stats = store.stats()
        assert {k: stats[k] for k in WEARER_TABLES} == {
            "sightings": 2, "enrollments": 1, "prompts": 1, "feedback": 1, "params": 1, "thumbnails": 1,
        }
        assert stats["labels"] == 2 and stats["last_sighting_wall"] == 11.0
        gone = store.wipe()  # no VACUUM: secure_delete alone must erase the bytes
        assert sum(gone.values()) == 7
        assert all(store.stats()[k] == 0 for k in WEARER_TABLES)
    # Erased means gone from the file too: secure_delete zeroes, the WAL is truncated.
    raw = db.read_bytes() + (db.with_name(db.name + "-wal").read_bytes() if db.with_name(db.name + "-wal").exists() else b"")
    assert b"A-secret" not in raw


# -- thumbnails: opt-in only, faces blurred ----------------------------------------------------


def test_thumbnails_are_refused_without_opt_in(store: MemoryStore):
    with pytest.raises(FramesNotKeptError) as err:
        store.store_thumbnail("keys", 0, np.zeros((32, 32, 3), np.uint8))
    assert "has not opted in" in one_line(err)
    assert store.thumbnails() == [] and store.stats()["thumbnails"] == 0


def test_kept_frames_have_their_faces_blurred(tmp_path: Path, face_photo: np.ndarray):
    import cv2

    from tests.support.jpeg import decode_rgb, jpeg_of

    frontal = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    gray = cv2.cvtColor(face_photo, cv2.COLOR_RGB2GRAY)
    faces = frontal.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5)
    assert len(faces) >= 1, "the test photo should show a detectable face"
    x, y, w, h = (int(v) for v in faces[0])

    with MemoryStore(tmp_path / "m.sqlite3", "alice", keep_frames=True) as store:
        store.store_thumbnail("messi", 5, face_photo)
        (thumb,) = store.thumbnails("messi")
    kept = thumb.image_rgb()
    assert kept.shape == face_photo.shape and thumb.faces_blurred >= 1
    kept_gray = cv2.cvtColor(kept, cv2.COLOR_RGB2GRAY)

    def overlaps(box) -> bool:
        bx, by, bw, bh = box
        return bx < x + w and x < bx + bw and by < y + h and y < by + bh

    # The face is gone for the detector, even at settings far more eager than the test's...
    for neighbours in (5, 2):
        assert not any(overlaps(b) for b in frontal.detectMultiScale(kept_gray, 1.05, neighbours))

    # ...and for the eye: its detail is gone (variance of the Laplacian collapses).
    def sharpness(img: np.ndarray) -> float:
        return float(cv2.Laplacian(img[y : y + h, x : x + w], cv2.CV_64F).var())

    assert sharpness(kept_gray) < sharpness(gray) / 50
    # Far from any face, the kept frame is exactly the photo as JPEG would keep it.
    plain = decode_rgb(jpeg_of(face_photo, quality=85))
    rows, cols = slice(face_photo.shape[0] - 96, face_photo.shape[0]), slice(0, 160)  # bottom-left corner
    assert not overlaps((0, face_photo.shape[0] - 96, 160, 96))
    np.testing.assert_array_equal(kept[rows, cols], plain[rows, cols])


def test_large_frames_are_shrunk_to_thumbnails(tmp_path: Path):
    with MemoryStore(tmp_path / "m.sqlite3", "alice", keep_frames=True) as store:
        store.store_thumbnail("wall", 1, np.full((720, 1280, 3), 200, np.uint8))
        (thumb,) = store.thumbnails()
        assert (thumb.width, thumb.height) == (640, 360) and thumb.faces_blurred == 0
        assert thumb.image_rgb().shape == (360, 640, 3)
        with pytest.raises(InvalidValueError):
            store.store_thumbnail("wall", 1, np.zeros((10, 10), np.uint8))
