"""Violation-of-expectation pairs and `glasses-agent eval surprise`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from streams.sources.synthetic.pairs import VIOLATIONS, clip_frames, make_pair, write_clip, write_pairs
from tools.cli import main


@pytest.mark.parametrize("violation", VIOLATIONS)
def test_pair_clips_are_identical_until_the_reveal_and_differ_after(violation):
    for seed in (0, 1):
        pair = make_pair(violation, seed)
        plausible = list(clip_frames(pair.plausible, pair.duration_s, pair.fps))
        implausible = list(clip_frames(pair.implausible, pair.duration_s, pair.fps))
        before = [i for i, f in enumerate(plausible) if f.t_ns / 1e9 < pair.reveal_s - 1e-6]
        after = [i for i, f in enumerate(plausible) if f.t_ns / 1e9 > pair.reveal_s + 0.15]
        assert before and after
        assert all(np.array_equal(plausible[i].image, implausible[i].image) for i in before)
        assert any(not np.array_equal(plausible[i].image, implausible[i].image) for i in after)


def test_train_and_test_splits_never_share_a_background():
    for seed in range(3):
        train = make_pair("permanence", seed, split="train").plausible.background
        for other in range(3):
            test = make_pair("permanence", other, split="test").plausible.background
            assert not np.array_equal(train, test)


def test_eval_surprise_on_held_out_pairs_beats_both_baselines(tmp_path, capsys):
    pairs = tmp_path / "pairs"
    write_pairs(pairs, per_type=5, split="test", fmt="mp4", first_seed=100)
    out = tmp_path / "surprise.json"
    assert main(["eval", "surprise", "--pairs", str(pairs), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "permanence" in printed and "pixel" in printed and "untrained" in printed
    result = json.loads(out.read_text())
    accuracy = result["accuracy"]
    assert len(result["pairs"]) == 15
    for kind in ("permanence", "continuity"):
        world = accuracy["world model"][kind]["accuracy_max"]
        assert world >= 0.9, (kind, world)
        assert world > accuracy["pixel"][kind]["accuracy_max"]
        assert world > accuracy["untrained"][kind]["accuracy_max"]


def test_eval_reads_gif_avi_and_mcap_pairs_of_any_size(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for fmt, seed in (("gif", 7), ("avi", 8), ("mcap", 9)):
        pair = make_pair("permanence", seed, size=(128, 96), fps=12.0)
        write_clip(pair.plausible, folder / f"permanence_{fmt}_plausible.{fmt}", pair.duration_s, pair.fps)
        write_clip(pair.implausible, folder / f"permanence_{fmt}_implausible.{fmt}", pair.duration_s, pair.fps)
    out = tmp_path / "r.json"
    assert main(["eval", "surprise", "--pairs", str(folder), "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["types"] == ["permanence"]  # the type comes from NAME's first known word
    assert result["accuracy"]["world model"]["permanence"]["accuracy_max"] == 1.0


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_mismatched_pair_names_get_one_clear_line(tmp_path, capsys):
    folder = tmp_path / "bad"
    folder.mkdir()
    pair = make_pair("continuity", 0)
    write_clip(pair.plausible, folder / "ball_plausible.mp4", 1.0, pair.fps)
    write_clip(pair.implausible, folder / "bowl_implausible.mp4", 1.0, pair.fps)
    assert main(["eval", "surprise", "--pairs", str(folder)]) == 1
    line = _one_error_line(capsys)
    assert "no matching" in line and "ball" in line


def test_unreadable_clip_and_missing_folder_get_one_clear_line(tmp_path, capsys):
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "x_plausible.mp4").write_bytes(b"not a video at all")
    (folder / "x_implausible.mp4").write_bytes(b"not a video either")
    assert main(["eval", "surprise", "--pairs", str(folder), "--out", str(tmp_path / "o.json")]) == 1
    assert "x_plausible.mp4" in _one_error_line(capsys)
    assert main(["eval", "surprise", "--pairs", str(tmp_path / "nowhere")]) == 1
    assert "no such folder" in _one_error_line(capsys)


def test_the_violation_type_is_the_first_known_word_of_the_pair_name(tmp_path):
    """voe_dev's names lead with "real_": its pairs are still judged per violation type."""
    from tools.evals.surprise_pairs import find_pairs

    for name in ("real_permanence_box_0", "real_constancy_cup_1", "walk_3"):
        for kind in ("plausible", "implausible"):
            (tmp_path / f"{name}_{kind}.mp4").write_bytes(b"")
    types = {p.name: p.violation for p in find_pairs(tmp_path)}
    assert types == {"real_permanence_box_0": "permanence", "real_constancy_cup_1": "constancy", "walk_3": "all"}
