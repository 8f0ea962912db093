"""Enrollment and recall: `memory enroll`, `memory scan`, `memory where`, through the CLI and the API."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from streams.recording import McapRecorder
from streams.sources.synthetic import PALETTE, Scene, SceneObject, SoundEvent, SyntheticSource, make_background
from tools.cli import main



def _scene(seed: int, objects: list[SceneObject], sounds: tuple = ()) -> Scene:
    background = make_background(np.random.default_rng([seed, 9]), 160, 120)
    return Scene(width=160, height=120, seed=seed, background=background, objects=tuple(objects), sounds=sounds)


def _keys(path) -> SceneObject:
    """The wearer's keys: a red disc (placed by keyframes (t, x, y); a jump = put somewhere else)."""
    return SceneObject(id=1, shape="circle", color=PALETTE["red"], color_name="red", position=path[0][1:], size=11,
                       path=tuple(path))


def _record(scene: Scene, out: Path, duration_s: float) -> Path:
    with McapRecorder(out) as recorder:
        for frame in SyntheticSource(scene=scene, duration_s=duration_s, include_truth=False).frames():
            recorder.write(frame)
    return out


@pytest.fixture(scope="module")
def recordings(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("enroll")
    mug = SceneObject(id=2, shape="square", color=PALETTE["blue"], color_name="blue", position=(130, 30), size=10)
    return {
        # keys on the left until 3 s, then put down low on the right; a blue mug stays top right
        "desk": _record(_scene(1, [_keys([(0, 40, 40), (3.0, 40, 40), (3.0001, 120, 85), (6, 120, 85)]), mug]),
                        root / "desk.mcap", 6.0),
        # the same keys in another room (another background), top right
        "hall": _record(_scene(2, [_keys([(0, 110, 40), (4, 110, 40)])]), root / "hall.mcap", 4.0),
        # never enrolled: a green triangle
        "shelf": _record(_scene(3, [SceneObject(id=1, shape="triangle", color=PALETTE["green"], color_name="green",
                                                position=(80, 60), size=11)]), root / "shelf.mcap", 4.0),
    }


def _memory(db: Path, *args: str, wearer: str = "ana") -> int:
    return main(["memory", "--db", str(db), "--wearer", wearer, *args])


def _where(db: Path, name: str, capsys, wearer: str = "ana") -> dict:
    capsys.readouterr()
    assert _memory(db, "where", name, "--json", wearer=wearer) == 0
    return json.loads(capsys.readouterr().out)


def test_enroll_in_one_part_then_recall_in_another_part_and_another_recording(tmp_path, recordings, capsys):
    db = tmp_path / "memory.sqlite3"
    assert _memory(db, "enroll", "keys", "--from", str(recordings["desk"]), "--at", "1.5", "--box", "0.16,0.23,0.18,0.23") == 0
    assert "enrolled 'keys'" in capsys.readouterr().out

    assert _memory(db, "scan", "--from", str(recordings["desk"])) == 0
    last = _where(db, "keys", capsys)
    # Last seen after it was moved (3 s), low on the right where it was put down (x 0.75, y 0.71).
    assert last["t_ns"] >= 3.0e9 and last["source"] == str(recordings["desk"])
    assert abs(last["position"][0] - 0.75) < 0.1 and abs(last["position"][1] - 0.71) < 0.12

    assert _memory(db, "scan", "--from", str(recordings["hall"])) == 0
    last = _where(db, "keys", capsys)
    assert last["source"] == str(recordings["hall"])
    assert abs(last["position"][0] - 110 / 160) < 0.1 and abs(last["position"][1] - 40 / 120) < 0.12

    # A thing never enrolled is not taken for the keys.
    capsys.readouterr()
    assert _memory(db, "scan", "--from", str(recordings["shelf"])) == 0
    assert "0 sightings" in capsys.readouterr().out
    assert _where(db, "keys", capsys)["source"] == str(recordings["hall"])

    # Another wearer has enrolled nothing and sees nothing of ana's.
    assert _memory(db, "where", "keys", wearer="ben") == 1
    assert "no sighting of 'keys'" in capsys.readouterr().err


def test_enroll_without_a_box_takes_the_tracked_thing_nearest_the_middle(tmp_path, recordings, capsys):
    db = tmp_path / "memory.sqlite3"
    assert _memory(db, "enroll", "keys", "--from", str(recordings["hall"]), "--at", "2.0") == 0
    out = capsys.readouterr().out
    box = [float(v) for v in out.split("box ")[1].split(" ")[0].split(",")]
    assert abs(box[0] + box[2] / 2 - 110 / 160) < 0.05 and abs(box[1] + box[3] / 2 - 40 / 120) < 0.05


@pytest.mark.shared_data
def test_recall_on_real_clips_box_seen_again_and_cup_never_taken_for_it(tmp_path, shared_data, capsys):
    db = tmp_path / "memory.sqlite3"
    box_clip, cup_clip = shared_data / "video" / "box.mp4", shared_data / "video" / "cup.mp4"
    # At 1 s the box is held up top middle-right of the view.
    assert _memory(db, "enroll", "box", "--from", str(box_clip), "--at", "1.0", "--box", "0.45,0.04,0.47,0.44") == 0
    assert _memory(db, "scan", "--from", str(box_clip)) == 0
    capsys.readouterr()
    from glasses_agent.memory import MemoryStore

    with MemoryStore(db, "ana") as store:
        seen = store.sightings("box", limit=None)
    later = [s for s in seen if s.t_ns >= 4e9]
    assert len(later) >= 3  # recognised in later parts of the clip, not only where it was enrolled
    assert all(0.25 < s.position[0] < 0.85 and s.position[1] < 0.6 for s in later)
    assert _memory(db, "scan", "--from", str(cup_clip)) == 0
    assert "0 sightings" in capsys.readouterr().out


def _one_error(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_bad_enrollments_get_one_clear_line(tmp_path, recordings, capsys):
    db = tmp_path / "memory.sqlite3"
    desk = str(recordings["desk"])
    assert _memory(db, "enroll", "keys", "--from", desk, "--at", "99") == 1
    assert "outside it" in _one_error(capsys)
    assert _memory(db, "enroll", "keys", "--from", desk) == 1
    assert "--at" in _one_error(capsys)
    assert _memory(db, "enroll", "keys", "--from", desk, "--at", "1", "--box", "0.5,0.5,0.9,0.2") == 1
    assert "inside the view" in _one_error(capsys)
    assert _memory(db, "enroll", "keys", "--from", desk, "--at", "1", "--box", "left") == 1
    assert "X,Y,W,H" in _one_error(capsys)
    assert _memory(db, "enroll", "keys", "--from", str(tmp_path / "nope.mp4"), "--at", "1") == 1
    assert "no such" in _one_error(capsys)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 64)
    assert _memory(db, "enroll", "keys", "--from", str(junk), "--at", "1") == 1
    assert "junk.mp4" in _one_error(capsys)
    assert _memory(db, "where", "wallet") == 1
    assert "no sighting of 'wallet'" in _one_error(capsys)
    assert _memory(db, "enroll", "bell", "--from", desk, "--sound", "--start", "2") == 1
    assert "--end" in _one_error(capsys)


def test_sound_enrolled_from_one_span_is_heard_again_and_others_are_not(tmp_path, capsys):
    tone = dict(kind="tone", freq=880.0, freq_end=880.0, amplitude=0.4)
    sounds = (SoundEvent(start_s=1.0, duration_s=1.5, **tone), SoundEvent(start_s=4.5, duration_s=1.5, kind="noise", amplitude=0.4),
              SoundEvent(start_s=7.0, duration_s=1.5, **tone))
    rec = _record(_scene(4, [], sounds), tmp_path / "bell.mcap", 9.0)
    db = tmp_path / "memory.sqlite3"
    assert _memory(db, "enroll", "bell", "--from", str(rec), "--sound", "--start", "1.0", "--end", "2.5") == 0
    from glasses_agent.context import TickContext
    from glasses_agent.memory import MemoryStore
    from glasses_agent.world_model.recordings import open_world, recording_contexts

    with MemoryStore(db, "ana") as store:
        world = open_world(store)
        heard = [ctx.t_ns / 1e9 for ctx in recording_contexts(world, rec)
                 if any(n == "bell" for n, _ in world.step(ctx).sounds)]
    assert any(7.5 <= t <= 8.6 for t in heard)  # the second ring, never enrolled from
    assert not any(5.0 <= t <= 6.0 for t in heard)  # the clatter in between is not the bell
    assert isinstance(TickContext, type)


def test_enrolling_a_face_is_refused(face_photo):
    from glasses_agent.memory.privacy import detect_faces
    from glasses_agent.world_model import EnrollmentError, WorldModel

    h, w = face_photo.shape[:2]
    x, y, fw, fh = detect_faces(face_photo)[0]
    world = WorldModel(None, None)
    with pytest.raises(EnrollmentError, match="face"):
        world.enroll_object("friend", None, (x / w, y / h, fw / w, fh / h), image=face_photo)
