"""`glasses-agent eval perception`: the agent's tasks as the perception model's measure (issue 17)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from glasses_agent.perception.config import ModelConfig
from tools.evals.perception.features import RawFeatures, average_precision, cell_weights


def test_average_precision_rewards_positives_ranked_first_and_ties_never_help():
    pos = np.array([True, False, True, False])
    assert average_precision(np.array([0.9, 0.1, 0.8, 0.2]), pos) == 1.0
    assert average_precision(np.array([0.1, 0.9, 0.2, 0.8]), pos) == pytest.approx((1 / 3 + 2 / 4) / 2)
    assert average_precision(np.zeros(4), pos) == pytest.approx((1 / 3 + 2 / 4) / 2)


def test_box_pools_the_cells_it_covers():
    w = cell_weights(np.array([0.0, 0.0, 0.5, 1 / 3]), 6, 6)
    assert w.sum() == pytest.approx(1.0)
    assert w[:2, :3].sum() == pytest.approx(1.0)  # the top-left 2x3 cells only
    tiny = cell_weights(np.array([0.9, 0.9, 0.9, 0.9]), 6, 6)
    assert tiny[5, 5] == 1.0


def test_change_box_follows_the_object_in_a_real_constancy_pair(shared_data):
    from tools.evals.perception.change import constancy_pairs, glide_box
    from tools.evals.perception.footage import Footage

    plaus, implaus = (Footage(p) for p in constancy_pairs(shared_data / "voe_dev")[0])
    box = glide_box(plaus, implaus)
    w, h = plaus.size
    diff = np.abs(plaus.frame(4.0).astype(int) - implaus.frame(4.0).astype(int)).sum(2) > 40
    ys, xs = np.nonzero(diff)
    x0, y0, x1, y1 = box(4.0) * [w, h, w, h]
    inside = (xs >= x0 - 2) & (xs <= x1 + 2) & (ys >= y0 - 2) & (ys <= y1 + 2)
    assert inside.mean() > 0.9
    # before the change the twins are identical, and the glide puts the box to the left of it
    assert box(2.5)[0] < box(4.0)[0]


def test_sound_reid_finds_a_sound_again_over_another_bed_above_chance(shared_data):
    from tools import data_splits
    from tools.evals.perception.sounds import sound_reid_map
    from tools.evals.probe.scenes import decode_mono

    sr = ModelConfig().sample_rate
    sounds = [decode_mono(p, sr) for p in data_splits.reporting("sounds")]
    speech = [decode_mono(p, sr) for p in data_splits.reporting("speech")]
    beds = [decode_mono(data_splits.tuning("noise")[0], sr), decode_mono(data_splits.reporting("noise")[0], sr)]
    result = sound_reid_map(sounds, speech, *beds, [RawFeatures(ModelConfig())], seed=0, sample_rate=sr)
    chance = 1 / (len(sounds) + len(speech))
    assert result["raw"] > 2 * chance
    assert sound_reid_map(sounds, speech, *beds, [RawFeatures(ModelConfig())], seed=0, sample_rate=sr) == result


def test_eval_perception_quick_prints_every_source_and_writes_json(shared_data, tmp_path, capsys):
    from tools.cli import main

    code = main(["eval", "perception", "--quick", "--out", str(tmp_path / "p.json")])
    out = capsys.readouterr().out
    assert code == 0
    for row in ("| shipped |", "| untrained |", "| raw |"):
        assert row in out
    result = json.loads((tmp_path / "p.json").read_text())
    for row in result["rows"].values():
        for values in row.values():
            assert all(0.0 <= v <= 1.0 for v in values)


def test_eval_perception_rejects_a_bad_checkpoint_row_in_one_line(tmp_path, capsys):
    from tools.cli import main

    code = main(["eval", "perception", "--quick", "--checkpoint", "nolabel", "--out", str(tmp_path / "p.json")])
    err = capsys.readouterr().err
    assert code != 0
    assert "LABEL=CKPT" in err and "Traceback" not in err


def test_crop_readout_reads_the_box_as_the_whole_view():
    from tools.evals.perception.features import EncoderFeatures, untrained_encoder

    config = ModelConfig()
    rng = np.random.default_rng(0)
    clips = rng.integers(0, 256, size=(2, config.frames, 60, 80, 3), dtype=np.uint8)
    clips[1, :, 20:40, 20:40] = clips[0, :, 20:40, 20:40]  # the same thing in the box, elsewhere different
    boxes = np.array([[0.25, 1 / 3, 0.5, 2 / 3]] * 2)
    model = untrained_encoder(config, 0)
    crop = EncoderFeatures("u", model, config, readout="crop").boxes(clips, boxes)
    frame = EncoderFeatures("u", model, config, readout="frame").boxes(clips, boxes)
    assert crop.shape == frame.shape == (2, config.width)
    def cos(a, b):
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    # the widened crop sees a little surrounding; the whole-view tokens mix in much more of it
    assert cos(crop[0], crop[1]) > cos(frame[0], frame[1])
