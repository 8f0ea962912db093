"""Golden files: the same recordings give byte-identical prompt and trace files, run after run.

They guard behaviour through refactors. A change that alters behaviour on purpose regenerates
them in a commit of its own that says why:

    GOLDEN_REGEN=1 .venv/bin/python -m pytest tests/test_golden.py

Three runs, each at --speed max with the shipped checkpoints: the demo (`run --demo`), a
generated scene recorded to MCAP and replayed, and the real GoPro walk imported with its IMU.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tools.cli import main

GOLDEN = Path(__file__).resolve().parent / "golden"
REGEN = os.environ.get("GOLDEN_REGEN") == "1"


def _check(name: str, produced: dict[str, Path]) -> None:
    for suffix, path in produced.items():
        golden = GOLDEN / f"{name}.{suffix}.jsonl"
        if REGEN:
            GOLDEN.mkdir(exist_ok=True)
            golden.write_bytes(path.read_bytes())
            continue
        assert golden.is_file(), f"{golden} missing: regenerate with GOLDEN_REGEN=1"
        assert path.read_bytes() == golden.read_bytes(), (
            f"{name} {suffix} differs from {golden.name}; if the change is on purpose, regenerate with "
            "GOLDEN_REGEN=1 in a commit that says why"
        )


def _run(capsys, *argv: str) -> None:
    code = main(list(argv))
    _, err = capsys.readouterr()
    assert code == 0, err


def _outputs(tmp_path: Path) -> dict[str, Path]:
    return {"prompts": tmp_path / "prompts.jsonl", "trace": tmp_path / "trace.jsonl"}


def _out_flags(out: dict[str, Path], memory: Path) -> list[str]:
    return ["--prompts-out", str(out["prompts"]), "--trace-out", str(out["trace"]), "--memory", str(memory)]


def test_demo_is_golden(capsys, tmp_path):
    out = _outputs(tmp_path)
    _run(capsys, "run", "--demo", *_out_flags(out, tmp_path / "m.sqlite3"))
    _check("demo", out)


def test_generated_scene_replay_is_golden(capsys, tmp_path):
    rec, out = tmp_path / "approach.mcap", _outputs(tmp_path)
    _run(capsys, "record", "--synthetic", "approach", "--seed", "1", "--duration", "12", "--out", str(rec))
    _run(capsys, "run", "--replay", str(rec), "--speed", "max", *_out_flags(out, tmp_path / "m.sqlite3"))
    _check("approach", out)


def test_gopro_replay_is_golden(capsys, tmp_path, shared_data):
    video = shared_data / "video"
    rec, out = tmp_path / "gopro.mcap", _outputs(tmp_path)
    _run(capsys, "record", "--video", str(video / "gopro_max-heromode.mp4"),
         "--imu", str(video / "gopro_max-heromode.imu.csv"), "--out", str(rec))
    _run(capsys, "run", "--replay", str(rec), "--speed", "max", *_out_flags(out, tmp_path / "m.sqlite3"))
    _check("gopro", out)


@pytest.mark.skipif(REGEN, reason="regenerating")
def test_golden_files_are_not_empty():
    """The demo and the generated scene say something: a golden file of nothing guards little."""
    for name in ("demo", "approach"):
        assert (GOLDEN / f"{name}.prompts.jsonl").read_text().strip(), name
