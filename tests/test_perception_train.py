"""Training the perception model: determinism, collapse bounds, resume, the CLI's errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from glasses_agent.perception import EmptyDatasetError, load_encoder
from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.data import load_clips
from glasses_agent.perception.objectives import collapse_figures, sigreg
from tools.train.perception import Trainer, TrainConfig, scene_embeddings

CONFIG = ModelConfig()
# Training mechanics do not depend on size: a tiny model keeps each test to seconds.
TINY = ModelConfig(image_size=32, width=32, depth=1, heads=2, predictor_width=16, predictor_depth=1, predictor_heads=2)


@pytest.fixture(scope="module")
def clips():
    # One thread: on a loaded machine several OpenMP threads spin against each other (100x slower).
    torch.set_num_threads(1)
    clips, _ = load_clips(["synthetic:mixed:0-1"], TINY, clip_seconds=5.0)
    return clips.split(0.25)


def _short(objective: str = "sigreg", steps: int = 6, seed: int = 0) -> TrainConfig:
    return TrainConfig(objective=objective, steps=steps, batch_size=16, warmup=2, eval_every=steps, seed=seed)


def test_same_seed_gives_the_same_loss_curve(clips):
    train, held_out = clips
    curves = [[r["loss"] for r in Trainer(TINY, _short(seed=s), train, held_out).run()] for s in (3, 3, 4)]
    assert curves[0] == curves[1]
    assert curves[0] != curves[2]


def test_short_training_learns_and_does_not_collapse(clips, tmp_path):
    train, held_out = clips
    trainer = Trainer(TINY, _short(steps=40), train, held_out)
    history = trainer.run(tmp_path)
    assert np.mean([r["loss"] for r in history[-5:]]) < np.mean([r["loss"] for r in history[:5]])
    figures = collapse_figures(scene_embeddings(trainer.encoder, held_out, "cpu"))
    assert figures["std_min"] > 0.01
    assert figures["effective_rank"] >= 0.1 * TINY.width
    assert (tmp_path / "curves.png").stat().st_size > 0
    assert history[-1]["effective_rank"] == pytest.approx(figures["effective_rank"], rel=1e-4)


def test_resume_continues_exactly(clips, tmp_path):
    train, held_out = clips
    straight = Trainer(TINY, _short(steps=8), train, held_out).run()
    first = Trainer(TINY, _short(steps=8), train, held_out)
    first.run(tmp_path, until=4)  # interrupted half way
    second = Trainer(TINY, _short(steps=8), train, held_out)
    second.resume(tmp_path)
    resumed = second.run(tmp_path)
    assert [r["loss"] for r in resumed[4:]] == pytest.approx([r["loss"] for r in straight[4:]], rel=1e-5)


@pytest.mark.parametrize("objective", ["ema", "pixel"])
def test_other_objectives_train(clips, objective):
    train, held_out = clips
    history = Trainer(TINY, _short(objective, steps=3), train, held_out).run()
    assert all(np.isfinite(r["loss"]) for r in history)


def test_sigreg_is_small_for_gaussians_and_large_for_collapse():
    gen = torch.Generator().manual_seed(0)
    gaussian = torch.randn(2048, 64, generator=gen)
    collapsed = torch.zeros(2048, 64) + 0.3
    assert sigreg(gaussian, torch.Generator().manual_seed(1)) < 0.01 * sigreg(collapsed, torch.Generator().manual_seed(1))


def test_empty_data_set_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmptyDatasetError, match="no clips with video"):
        load_clips([str(tmp_path / "empty")], CONFIG)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.cli", *args, "--threads", "1"], capture_output=True, text=True,
                          timeout=120)


def test_cli_trains_a_loadable_checkpoint(tmp_path):
    out = tmp_path / "run"
    done = _cli("train", "perception", "--data", "synthetic:quiet:0", "--clip-seconds", "3", "--steps", "3",
                "--batch-size", "8", "--out", str(out), "--export", str(tmp_path / "shipped"))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["steps"] == 3 and summary["parameters"]["encoder"] > 0
    assert load_encoder(tmp_path / "shipped").width == CONFIG.width
    # Inference needs the encoder alone: the export leaves predictor and target out.
    assert (tmp_path / "shipped" / "perception.safetensors").stat().st_size < (out / "perception.safetensors").stat().st_size



def test_cli_rejects_bad_data_in_one_line(tmp_path, capsys):
    from tools.cli import main

    (tmp_path / "empty").mkdir()
    for bad in (str(tmp_path / "empty"), str(tmp_path / "missing.mcap"), "synthetic:nowhere", "synthetic:mixed:x"):
        code = main(["train", "perception", "--data", bad, "--out", str(tmp_path / "x"), "--steps", "1", "--threads", "1"])
        err = capsys.readouterr().err
        assert code != 0
        assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("glasses-agent: error: "), err
