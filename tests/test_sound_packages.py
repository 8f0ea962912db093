"""The Debian packages' dog recordings: named in the split, fetched into the cache, independent."""

from __future__ import annotations

import pytest

from tools import data_splits
from tools.evals import sound_packages


def test_every_packaged_recording_in_the_split_is_one_the_fetcher_knows():
    known = {s.name: s for s in sound_packages.SOUNDS}
    tuning = data_splits.tuning("packaged_sounds", sound_packages.cache_dir())
    reporting = data_splits.reporting("packaged_sounds", sound_packages.cache_dir())
    assert {p.name for p in tuning + reporting} <= set(known)
    assert not set(tuning) & set(reporting)
    # Reported on: at least two dogs, from packages none of the tuning dogs came from (other dogs).
    tuning_packages = {known[p.name].package for p in tuning}
    reporting_dogs = [known[p.name] for p in reporting if known[p.name].kind == "dog"]
    assert len({s.package for s in reporting_dogs}) >= 2
    assert not {s.package for s in reporting_dogs} & tuning_packages


def test_each_packaged_recording_names_its_licence():
    assert all(s.licence and s.package for s in sound_packages.SOUNDS)
    assert len({s.name for s in sound_packages.SOUNDS}) == len(sound_packages.SOUNDS)  # two dog.wav stay apart


def test_nothing_fetched_without_leave(tmp_path):
    assert sound_packages.fetched(tmp_path, fetch=False) == []


def test_the_fetched_dogs_are_short_loud_recordings_of_different_lengths():
    from glasses_agent.scoring.sound_eval import SR, load_audio

    dogs = [p for p in sound_packages.fetched(fetch=False) if sound_packages.kinds()[p.stem] == "dog"]
    if len(dogs) < len([s for s in sound_packages.SOUNDS if s.kind == "dog"]):
        pytest.skip(f"the packages' dogs are not in {sound_packages.cache_dir()} (tools/evals/sound_packages.py fetches them)")
    lengths = {}
    for p in dogs:
        x = load_audio(p, 5.0)
        assert 0.1 * SR <= len(x) <= 4.0 * SR, p  # scorched3d's dog3.wav: a dog barking nine times in 3.9 s
        assert abs(int(x.astype(int).max())) > 8000, p
        lengths[p.name] = len(x)
    # Not one file shipped twice under two names (budgie and ukui ship mate's bark.ogg: only one is taken).
    assert len(set(lengths.values())) == len(lengths)
