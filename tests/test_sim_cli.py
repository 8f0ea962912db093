"""`glasses-agent sim` from the command line: bad input is one line; the screenshot action works."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "sim"
RECORDING = str(FIXTURES / "scene.mcap")
TRACE = str(FIXTURES / "trace.jsonl")


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse exits on usage errors
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def bad_trace(tmp_path) -> str:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"t_ns": 100000000}\nnot json\n')
    return str(path)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["sim", "--replay", "/no/such/file.mcap"], "/no/such/file.mcap: no such file"),
        (["sim", "--replay", RECORDING, "--trace", "/no/such/trace.jsonl"], "no such trace file"),
        (["sim", "--demo", "--trace", TRACE], "--trace goes with --replay"),
        (["sim", "--demo", "--mic", "default"], "--mic goes with --camera"),
        (["sim", "--replay", RECORDING, "--speed", "0"], "speed must be in (0, 64]"),
        (["sim", "--replay", RECORDING, "--speed", "fast"], "speed must be a number"),
        (["sim"], "one of the arguments"),
        (["sim", "--mqtt", "mqtt://127.0.0.1:1", "--demo"], "not allowed with argument"),
        (["sim", "--mqtt", "mqtt://127.0.0.1:1"], "--mqtt needs --device ID"),
        (["sim", "--demo", "--device", "dev1"], "--device goes with --mqtt"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(capsys, argv, message):
    code, out, err = run_cli(capsys, *argv)
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_a_malformed_trace_names_the_line(capsys, bad_trace):
    code, _, err = run_cli(capsys, "sim", "--replay", RECORDING, "--trace", bad_trace)
    assert code == 1
    assert f"{bad_trace}:2: not a trace record" in err
    assert len(err.strip().splitlines()) == 1


def test_screenshot_action_writes_an_svg_of_the_session(capsys, tmp_path):
    out = tmp_path / "docs" / "sim.svg"
    code, stdout, err = run_cli(capsys, "sim", "--replay", RECORDING, "--trace", TRACE, "--screenshot", str(out), "--at", "1.5")
    assert code == 0, err
    assert f"wrote {out}" in stdout
    svg = out.read_text()
    assert svg.startswith("<svg")
    # The session bar and the HUD's hazard at 1.5 s, as text in the picture (spaces are &#160;).
    assert "glasses-agent&#160;sim" in svg
    assert "Look&#160;out!" in svg
