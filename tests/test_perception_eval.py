"""The shipped checkpoint is usable and not collapsed; the probe evaluation runs end to end."""

from __future__ import annotations

import json

import torch

from glasses_agent.perception import load_encoder
from glasses_agent.perception.checkpoint import DEFAULT_CHECKPOINT
from tools.evals.probe.collapse import collapse_report


def test_default_checkpoint_is_small_loads_and_is_not_collapsed():
    size = sum(p.stat().st_size for p in DEFAULT_CHECKPOINT.iterdir() if p.is_file())
    assert size < 20 * 1024 * 1024
    encoder = load_encoder()
    assert encoder.width == 128
    torch.set_num_threads(1)
    report = collapse_report()
    trained = report["trained"]
    assert trained["std_min"] > 0.01, trained
    assert trained["effective_rank"] >= 0.1 * encoder.width, trained


def test_eval_collapse_prints_both_encoders(tmp_path, capsys):
    from tools.cli import main

    code = main(["eval", "collapse", "--out", str(tmp_path / "c.json"), "--threads", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "untrained" in out and "collapsed: no" in out
    assert json.loads((tmp_path / "c.json").read_text())["collapsed"] is False


def test_eval_probe_quick_prints_the_table_and_writes_json(shared_data, tmp_path, capsys):
    from tools.cli import main

    code = main(["eval", "probe", "--quick", "--out", str(tmp_path / "probe.json"), "--threads", "1"])
    out = capsys.readouterr().out
    assert code == 0
    for word in ("jepa", "pixel", "random", "appearance", "motion", "sound", "±"):
        assert word in out
    result = json.loads((tmp_path / "probe.json").read_text())
    for model in ("jepa", "pixel", "random"):
        runs = result["results"][model]["sound"]["runs"]
        assert len(runs) == 2 and all(0.0 <= r <= 1.0 for r in runs)
    assert result["settings"]["sounds"] and len(result["settings"]["sounds"]) == round(1 / result["chance"]["sound"])


def test_eval_probe_without_sounds_is_a_clear_error(tmp_path, capsys):
    from tools.cli import main

    code = main(["eval", "probe", "--quick", "--sounds", str(tmp_path), "--out", str(tmp_path / "p.json")])
    err = capsys.readouterr().err
    assert code != 0 and err.strip().startswith("glasses-agent: error: ") and "sound files" in err


def test_probe_features_keep_position_so_motion_is_readable():
    """Mean-pooling every token erases motion (DESIGN.md); the probe's grid-per-time-step features do not."""
    import numpy as np

    from glasses_agent.perception.models.jepa import Encoder
    from tools.evals.probe.linear import linear_probe_accuracy, positional_features
    from tools.evals.probe.run import ProbeSettings
    from tools.evals.probe.scenes import make_clips

    torch.set_num_threads(1)
    config = ProbeSettings.quick().model
    seconds = np.arange(config.sample_rate) / config.sample_rate
    tones = [np.sin(2 * np.pi * hz * seconds).astype(np.float32) for hz in (440, 1500)]
    bed = np.random.default_rng(0).normal(0, 0.05, 3 * config.sample_rate).astype(np.float32)
    train = make_clips(240, split="train", seed=2, config=config, sounds=tones, noise=bed)
    test = make_clips(160, split="test", seed=3, config=config, sounds=tones, noise=bed)
    torch.manual_seed(0)
    encoder = Encoder(config)
    train_v, train_a = positional_features(encoder, config, train.video, train.audio)
    test_v, test_a = positional_features(encoder, config, test.video, test.audio)
    steps, width = config.video_grid[0], config.width

    def mean_of_all_tokens(x):
        return x.reshape(len(x), steps, width, 4).mean((1, 3))

    kept = linear_probe_accuracy(train_v, train.direction, test_v, test.direction, classes=4)
    erased = linear_probe_accuracy(mean_of_all_tokens(train_v), train.direction, mean_of_all_tokens(test_v),
                                   test.direction, classes=4)
    assert kept > 0.45 and erased < 0.35, (kept, erased)  # chance is 0.25
    # The audio features tell two tones apart, from other segments of them, over another part of the bed.
    assert linear_probe_accuracy(train_a, train.sound, test_a, test.sound, classes=2) > 0.9


def test_sound_features_do_not_depend_on_when_the_sound_plays():
    """A probe fitted on tones early in the second reads the same tones late in it (statistics pooling)."""
    import numpy as np

    from glasses_agent.perception.models.jepa import Encoder
    from tools.evals.probe.linear import linear_probe_accuracy, positional_features
    from tools.evals.probe.run import ProbeSettings

    torch.set_num_threads(1)
    config = ProbeSettings.quick().model
    sr = config.sample_rate
    rng = np.random.default_rng(0)

    def clips(n, earliest, latest):
        labels = rng.integers(0, 2, n)
        audio = rng.normal(0, 0.01, (n, sr)).astype(np.float32)
        for i, label in enumerate(labels):
            start = int(rng.uniform(earliest, latest) * sr)
            t = np.arange(int(0.15 * sr)) / sr
            audio[i, start:start + len(t)] += 0.3 * np.sin(2 * np.pi * (440, 1500)[label] * t)
        video = np.zeros((n, config.frames, config.image_size, config.image_size, 3), np.uint8)
        return video, audio, labels

    torch.manual_seed(0)
    encoder = Encoder(config)
    early_v, early_a, early_y = clips(120, 0.0, 0.3)
    late_v, late_a, late_y = clips(80, 0.55, 0.85)
    train_a = positional_features(encoder, config, early_v, early_a)[1]
    test_a = positional_features(encoder, config, late_v, late_a)[1]
    assert linear_probe_accuracy(train_a, early_y, test_a, late_y, classes=2) > 0.9
