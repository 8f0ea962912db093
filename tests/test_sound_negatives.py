"""The packaged negatives (not a dog) and the bark judge that holds them out with each dog."""

from __future__ import annotations

import numpy as np
import pytest

from tools.evals import sound_bark_judge as judge
from tools.evals import sound_negatives


def test_every_negative_group_in_the_split_is_one_the_fetcher_knows_and_names_its_licence():
    known = {g.group: g for g in sound_negatives.GROUPS}
    assert set(sound_negatives.split_groups("tuning")) <= set(known)
    assert sound_negatives.split_groups("reporting") == []  # the reporting half keeps its own sounds
    assert all(g.licence and g.package for g in sound_negatives.GROUPS)


def test_no_dog_is_taken_for_a_negative():
    scratch = next(g for g in sound_negatives.GROUPS if g.group == "scratch")
    assert not scratch.keeps("Animal/Dog1.wav") and not scratch.keeps("Animal/WolfHowl.wav")
    assert scratch.keeps("Animal/Cat.mp3") and not scratch.keeps("Music Loops/Cave.mp3")
    noises = next(g for g in sound_negatives.GROUPS if g.group == "qabcs-data:noises")
    assert not noises.keeps("dogmatix.ogg") and not noises.keeps("gamekeeper.ogg") and noises.keeps("tractor.ogg")


def test_the_fetched_negatives_hold_no_file_named_for_a_dog():
    got = sound_negatives.fetched(fetch=False)
    if not got:
        pytest.skip(f"the negatives are not in {sound_negatives.cache_dir()} (python -m tools.evals.sound_negatives fetch)")
    names = [p.name for paths in got.values() for p in paths]
    assert not [n for n in names if sound_negatives.NOT_A_NEGATIVE.search(n)]
    assert len(set(names)) == len(names)  # one stem a file across groups


def _material() -> judge.Material:
    return judge.Material(dogs={"a": ["a_1"], "b": ["b_1"], "c": ["c_1"]}, dog_variants={}, voices={"v1": ["v1_x"], "v2": ["v2_x"]},
                          sounds=["kettle", "bell"], negatives={g: [f"{g}_1"] for g in "pqrstuv"},
                          recordings={}, beds=["d", "e", "f", "g"], kinds={})


def test_each_fold_holds_out_a_dog_a_voice_a_sound_a_bed_and_its_own_negative_groups():
    folds = judge.folds(_material())
    assert [f.dog for f in folds] == ["a", "b", "c"]
    held = [g for f in folds for g in f.negatives]
    assert sorted(held) == list("pqrstuv")  # every group held out once, by one fold
    assert all(f.voice in ("v1", "v2") and f.sound in ("kettle", "bell") for f in folds)
    assert len({f.bed for f in folds}) == 3


def test_a_fold_trains_on_nothing_it_holds_out():
    fold = judge.folds(_material())[0]
    data = {"set": np.array([-1, -1, -1, -1, -1, -1, 0]), "y": np.array([1, 0, 0, 0, 0, -1, 0]),
            "bed": np.array([1, 1, 1, fold.bed, 2, 2, fold.bed]),
            "source": np.array([fold.dog, fold.negatives[0], fold.voice, "bed", "bed", "b", "bed"])}
    assert judge.training_rows(data, fold).tolist() == [False, False, False, False, True, False, False]
    assert judge.training_rows(data, None).tolist() == [True, True, True, True, True, False, False]


def test_the_judge_counts_occurrences_as_the_sounds_eval_does():
    # One judge mix: a dog placed at 10.0 s (told by 11.0 s); bursts scored at ticks 103 (the dog), 104 (the same
    # occurrence), 300 (false) and 320 (within 3 s of the last: the same false occurrence).
    data = {"mix": np.array([7, 7, 7, 7, 7]), "tick": np.array([103, 104, 300, 320, 400]), "y": np.array([1, 1, 0, 0, 0]),
            "dogs_placed": np.array([[7, 10.0, 11.0]])}
    scores = np.array([0.9, 0.8, 0.7, 0.9, 0.1])
    r = judge.judged(data, np.ones(5, dtype=bool), scores, 0.5)
    assert (r["occurrences"], r["recalled"], r["alerts"], r["true"]) == (1, 1, 2, 1)
    assert r["onset_s_median"] == pytest.approx(0.3) and r["false_per_min"] == 1.0
