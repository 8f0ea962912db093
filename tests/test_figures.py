"""tools.figures: the pictures beside the commands' JSON, drawn with labelled axes."""

from __future__ import annotations

import json

from tools.commands.common import write_results
from tools.figures import results_figure, training_curves

PNG = b"\x89PNG\r\n\x1a\n"


def test_training_curves_draw_each_series(tmp_path):
    history = [{"step": s, "loss": 1 / s} for s in range(1, 40)]
    history += [{"step": s, "loss": 1 / s, "eval_loss": 1.2 / s, "std_min": 0.1, "effective_rank": 20.0 + s}
                for s in (10, 20, 30)]
    out = tmp_path / "curves.png"
    training_curves(history, out)
    assert out.read_bytes().startswith(PNG) and out.stat().st_size > 10_000


def test_a_picture_beside_the_json_only_when_there_is_one_to_draw(tmp_path):
    scores = {"kinds": {"hazard": {"recall": 1.0, "precision": 0.75}, "speech": {"recall": 0.5, "precision": None}}}
    path = write_results(tmp_path / "scenarios.json", scores)
    assert json.loads(path.read_text()) == scores
    assert (tmp_path / "scenarios.png").read_bytes().startswith(PNG)
    stages = {"benchmark": "agent", "stages": {"perception": {"p50_ms": 30.0, "p99_ms": 45.0},
                                              "world": {"p50_ms": 5.0, "p99_ms": 9.0}}}
    assert results_figure(stages, tmp_path / "agent.png") is not None
    probe = {"results": {m: {t: {"mean": 0.5, "std": 0.05} for t in ("appearance", "motion")}
                         for m in ("jepa", "pixel", "random")}}
    assert results_figure(probe, tmp_path / "probe.png") is not None
    write_results(tmp_path / "plain.json", {"real_time_factor": 0.2})
    assert not (tmp_path / "plain.png").exists()


def test_bench_sim_draws_both_runs_against_the_targets(tmp_path):
    pace = {"stream_per_wall": 0.99, "ticks_skipped_pct": 0.3, "frame_age_p99_ms": 180.0}
    result = {"ui": pace, "headless": {**pace, "frame_age_p99_ms": None}, "terminal": "160x50",
              "targets": {"stream_per_wall_min": 0.98, "ticks_skipped_max_pct": 1.0, "frame_age_p99_max_ms": 250.0},
              "machine": {"load_average_1min_before": 2.5, "load_average_1min_after": 3.0}}
    assert results_figure(result, tmp_path / "sim.png") is not None
    assert (tmp_path / "sim.png").read_bytes().startswith(PNG)


def test_scenarios_with_halves_draw_a_panel_a_half(tmp_path):
    row = {"recall": 1.0, "precision": 0.5}
    result = {"kinds": {"hazard": row}, "halves": {"tuning": {"hazard": row}, "reporting": {"hazard": {**row, "recall": None}}}}
    assert results_figure(result, tmp_path / "scenarios.png") is not None
    assert (tmp_path / "scenarios.png").read_bytes().startswith(PNG)
