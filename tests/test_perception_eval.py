"""The shipped checkpoint is usable and not collapsed; the probe evaluation runs end to end."""

from __future__ import annotations

import json

import torch

from glasses_agent.perception import load_encoder
from glasses_agent.perception.checkpoint import DEFAULT_CHECKPOINT
from glasses_agent.perception.probe.collapse import collapse_report


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
