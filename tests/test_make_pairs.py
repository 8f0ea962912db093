"""The real-footage pair maker (tools.evals.make_pairs): twins identical until the violation and
different after it, a complete manifest, controls that keep their object, crops 10-30% of the view's
height, half the clips with camera motion, the same files for the same seed, and the eval reader
finding every pair with its violation type."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from streams.frames import VideoFrame
from streams.sources.media_file import MediaFileSource
from tools.evals.make_pairs import VIEW, make_pairs
from tools.evals.pair_plans import CONTROLS, VIOLATIONS


def _write_clip(path: Path, seed: int, seconds: float = 3.0, fps: float = 20.0) -> Path:
    """A textured scene of coloured shapes the camera drifts across (mp4v, 480x320)."""
    rng = np.random.default_rng(seed)
    world = cv2.GaussianBlur(rng.integers(0, 255, (480, 760, 3), dtype=np.uint8), (0, 0), 3)
    for _ in range(30):
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        centre = (int(rng.integers(0, 760)), int(rng.integers(0, 480)))
        if rng.random() < 0.5:
            cv2.circle(world, centre, int(rng.integers(15, 60)), colour, -1)
        else:
            cv2.rectangle(world, centre, (centre[0] + int(rng.integers(20, 90)), centre[1] + int(rng.integers(20, 90))), colour, -1)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (480, 320))
    for k in range(int(seconds * fps)):
        x = int(k * 3)
        writer.write(world[40:360, x:x + 480])
    writer.release()
    return path


def _frames(path: Path) -> list[np.ndarray]:
    return [f.image for f in MediaFileSource(path).frames() if isinstance(f, VideoFrame)]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, list[Path]]:
    root = tmp_path_factory.mktemp("pairs")
    clips = [_write_clip(root / "a.mp4", 1), _write_clip(root / "b.mp4", 2, seconds=8.0)]
    out = root / "out"
    manifest = make_pairs(clips, out, seed=3, per_kind=1, controls=1)
    return out, manifest, clips


def test_every_kind_is_made_with_its_files(made):
    out, manifest, _ = made
    assert sorted(e["kind"] for e in manifest["pairs"]) == sorted(VIOLATIONS)
    assert sorted(e["kind"] for e in manifest["controls"]) == sorted(CONTROLS)
    for entry in manifest["pairs"] + manifest["controls"]:
        for rel in entry["files"].values():
            assert (out / rel).is_file(), rel
    assert json.loads((out / "manifest.json").read_text()) == manifest


def test_manifest_says_what_each_clip_is(made):
    _, manifest, _ = made
    for entry in manifest["pairs"] + manifest["controls"]:
        for key in ("name", "kind", "event", "control", "seed", "background", "camera", "camera_moves", "object",
                    "speed_px_s", "fps", "frames", "size"):
            assert key in entry, (entry["name"], key)
        assert entry["camera"]["kind"] in ("clip", "synthetic_pan")
        assert entry["background"]["clip"].endswith(".mp4")
        obj = entry["object"]
        for key in ("source", "frame", "box", "mask", "height_px", "contrast", "measured_contrast"):
            assert key in obj, (entry["name"], key)
        # Objects come from the other clip, never from the pair's own background.
        assert obj["source"] != entry["background"]["clip"]
    for entry in manifest["pairs"]:
        assert entry["violation"] == entry["kind"] and entry["violation_time_s"] > 0.5
    assert all(e["control"] and e["violation"] is None for e in manifest["controls"])


def test_twins_are_identical_until_the_violation_and_differ_from_it(made):
    out, manifest, _ = made
    for entry in manifest["pairs"]:
        a = _frames(out / entry["files"]["plausible"])
        b = _frames(out / entry["files"]["implausible"])
        k = entry["violation_frame"]
        assert len(a) == len(b) == entry["frames"]
        for i in range(k):
            assert np.array_equal(a[i], b[i]), (entry["name"], i)
        assert np.abs(a[k].astype(int) - b[k].astype(int)).max() > 0
        # An object's worth of change, not coding noise: at once in open view; within half a second where
        # the object would come back into sight edge first (from behind the occluder, into the view).
        soon = k + 1 if entry["kind"] in ("permanence", "continuity", "constancy") else k + int(entry["fps"] / 2)
        assert max(np.abs(a[i].astype(int) - b[i].astype(int)).max() for i in range(k, soon)) > 40, entry["name"]
        later = [np.abs(a[i].astype(int) - b[i].astype(int)).mean() for i in range(k, len(a))]
        assert np.mean(np.array(later) > 0.2) > 0.5, entry["name"]


def test_pairs_are_read_by_eval_surprise_with_their_violation_type(made):
    from tools.evals.surprise_pairs import find_pairs

    out, manifest, _ = made
    found = {p.name: p.violation for p in find_pairs(out)}
    assert found == {e["name"]: e["kind"] for e in manifest["pairs"]}


def test_controls_keep_their_object(made):
    out, manifest, _ = made
    for entry in manifest["controls"]:
        shown = _frames(out / entry["files"]["control"])
        bare = _frames(out / entry["files"]["reference"])
        drawn = [np.abs(s.astype(int) - r.astype(int)).max() > 40 for s, r in zip(shown, bare, strict=True)]
        if entry["kind"] == "leaves_frame":
            assert drawn[0] and not all(drawn), "the object is in view at first and leaves it"
        else:
            assert drawn[0] and drawn[-1], f"{entry['name']}: the object is there at the start and the end"
        if entry["kind"] == "pan_away_and_back":
            lo, hi = entry["out_of_view_s"]
            # While the view is away the control looks exactly like its bare reference.
            mid = int((lo + hi) / 2 * entry["fps"])
            assert np.abs(shown[mid].astype(int) - bare[mid].astype(int)).mean() < 3


def test_object_sizes_are_a_tenth_to_three_tenths_of_the_view(made):
    _, manifest, _ = made
    for entry in manifest["pairs"] + manifest["controls"]:
        frac = entry["object"]["height_view_fraction"]
        assert 0.10 <= frac <= 0.30, (entry["name"], frac)
        assert entry["object"]["height_px"] == pytest.approx(frac * VIEW[1], abs=0.2)


def test_at_least_half_move_the_camera(made):
    _, manifest, _ = made
    entries = manifest["pairs"] + manifest["controls"]
    assert sum(e["camera_moves"] for e in entries) * 2 >= len(entries)
    assert any(e["camera"]["kind"] == "synthetic_pan" for e in entries)
    assert any(e["camera"]["kind"] == "clip" for e in entries)


def test_the_same_seed_makes_the_same_files(made, tmp_path):
    out, manifest, clips = made
    again = make_pairs(clips, tmp_path, seed=3, per_kind=1, controls=0, kinds=("continuity",))
    entry = again["pairs"][0]
    first = next(e for e in manifest["pairs"] if e["kind"] == "continuity")
    assert entry == first
    for rel in entry["files"].values():
        assert (tmp_path / rel).read_bytes() == (out / rel).read_bytes()
    other = make_pairs(clips, tmp_path / "other", seed=4, per_kind=1, controls=0, kinds=("continuity",))
    assert other["pairs"][0]["seed"] != entry["seed"]


def test_cli_refuses_a_missing_clip_in_one_line(tmp_path, capsys):
    from tools.cli import main

    assert main(["eval", "make-pairs", "--from", str(tmp_path / "nope.mp4"), "--out", str(tmp_path / "o")]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.mp4" in err[0]


def test_controls_are_scored_against_their_bare_references(made):
    from glasses_agent.world_model.recordings import clip_ticks
    from tools.evals.surprise_pairs import pixel_surprise
    from tools.evals.controls import evaluate_controls

    out, manifest, _ = made

    def surprise(path: Path) -> list[float]:
        return pixel_surprise(clip_ticks(path))

    result = evaluate_controls(out, surprise, threshold=4.0)
    assert [r["name"] for r in result["controls"]] == [e["name"] for e in manifest["controls"]]
    assert result["summary"]["overall"]["controls"] == len(CONTROLS)
    for row in result["controls"]:
        crossed = row["control_max"] >= 4.0 > row["reference_max"]
        assert row["fails"] == (crossed or row["control_alarms"] > row["reference_alarms"])
    assert evaluate_controls(out, surprise, threshold=float("inf"))["summary"]["overall"]["fail"] == 0


def test_eval_controls_without_a_manifest_is_one_clear_line(tmp_path, capsys):
    from tools.cli import main

    assert main(["eval", "controls", "--pairs", str(tmp_path)]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "manifest.json" in err[0]


def test_occluded_objects_stay_wholly_hidden_for_a_while(made):
    _, manifest, _ = made
    for entry in manifest["pairs"] + manifest["controls"]:
        if entry["kind"] in ("occlusion", "behind_occluder"):
            lo, hi = entry["hidden_s"]
            assert hi - lo >= 0.25, entry["name"]


def test_grabcut_masks_follow_the_object_on_real_frames():
    from tools.evals.backgrounds import sample_frames
    from tools.evals.object_crops import cut_crop

    from tools.data_splits import SHARED_DATA

    shared = SHARED_DATA / "video" / "sam2_04_coffee.mp4"
    if not shared.exists():
        pytest.skip("the shared clips are not here")
    frames = sample_frames(shared, [0.5, 2.0, 4.0, 6.0])
    crops = [cut_crop(np.random.default_rng(i), f, "grabcut", "coffee", i) for i, (_, f) in enumerate(frames)]
    cut = [c for c in crops if c.info["mask"] == "grabcut"]
    assert cut, [c.info["mask"] for c in crops]
    for crop in cut:  # a shape of its own, not the box: some of the box is left out
        assert 0.15 < (crop.alpha > 0.5).mean() < 0.95
