"""The command line as a user meets it: bad input is one line and a non-zero exit; help is light."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tools.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse exits on usage errors
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["replay", "/no/such/file.mcap"], "/no/such/file.mcap: no such file"),
        (["info", "/no/such/file.mcap"], "no such file"),
        (["replay", "--speed", "fast", "x.mcap"], "speed must be 'max' or a number"),
        (["replay", "--speed", "-2", "x.mcap"], "speed must be positive"),
        (["replay", "--speed", "inf", "x.mcap"], "speed must be positive"),
        (["replay", "--tick-hz", "0", "x.mcap"], "expected a positive number, got '0'"),
        (["eval", "probe", "--steps", "2.5"], "expected a whole number of at least 1, got '2.5'"),
        (["train", "world", "--steps", "0"], "expected a whole number of at least 1, got '0'"),
        (["run", "--demo", "--tick-hz", "inf"], "expected a positive number, got 'inf'"),
        (["run", "--demo", "--duration", "-1"], "expected a positive number, got '-1'"),
        (["bridge", "--mqtt", "mqtt://localhost", "--tick-hz", "0"], "expected a positive number, got '0'"),
        (["device", "--replay", "x.mcap", "--duration", "nan"], "expected a positive number, got 'nan'"),
        (["sim", "--demo", "--duration", "0"], "expected a positive number, got '0'"),
        (["train", "perception", "--out", "x", "--clip-seconds", "inf"], "expected a positive number, got 'inf'"),
        (["train", "world", "--out", "x", "--clip-seconds", "-5"], "expected a positive number, got '-5'"),
        (["record", "--out", "x.mcap"], "one of the arguments --camera --video --synthetic is required"),
        (["record", "--synthetic", "mixed", "--out", "x.txt"], "the output must be an .mcap file"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(capsys, argv, message):
    code, out, err = run_cli(capsys, *argv)
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_unsupported_file_type(capsys, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    code, _, err = run_cli(capsys, "replay", str(notes))
    assert code == 1 and "unsupported file type '.txt'" in err


def test_a_folder_is_not_a_recording(capsys, tmp_path):
    code, _, err = run_cli(capsys, "replay", str(tmp_path))
    assert code == 1 and "is a folder" in err


def test_help_imports_neither_torch_nor_opencv():
    probe = (
        "import sys, contextlib, io\n"
        "from tools.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['--help'])\n"
        "    except SystemExit: pass\n"
        "print(sorted(m for m in ('torch', 'cv2', 'av', 'textual', 'aiomqtt') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_streams_never_imports_torch():
    probe = "import sys, streams, streams.pipeline, streams.testing; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
