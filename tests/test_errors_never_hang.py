"""The commands a newcomer saw hang or mislead (issue 20): each now finishes, and says what is wrong
with the value given, in one line."""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
import time
from pathlib import Path

import pytest

from tools.cli import main


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> Path:
    """A short generated scene with prompts to give (a QR card, a voice, a dark spell, a disc)."""
    path = tmp_path_factory.mktemp("scene") / "demo.mcap"
    assert main(["record", "--synthetic", "demo", "--out", str(path)]) == 0
    return path


def test_tick_rate_has_a_ceiling_that_says_why(capsys, scene):
    with pytest.raises(SystemExit) as exit_:
        main(["replay", str(scene), "--tick-hz", "1e9"])
    assert exit_.value.code == 2
    line = one_line(capsys.readouterr().err)
    assert "--tick-hz" in line and "at most 200" in line and "IMU" in line


@pytest.mark.parametrize(("argv", "flag", "says"), [
    (["memory", "enroll", "keys", "--from", "x.mcap", "--at", "-1"], "--at", "at least 0, got '-1'"),
    (["memory", "enroll", "keys", "--from", "x.mcap", "--at", "nan"], "--at", "finite number, got 'nan'"),
    (["device", "--id", "d", "--mqtt", "mqtt://127.0.0.1", "--replay", "x.mcap", "--clock-skew", "nan"],
     "--clock-skew", "finite number, got 'nan'"),
    (["record", "--synthetic", "demo", "--seed", "-3", "--out", "x.mcap"], "--seed", "got '-3'"),
    (["broker", "init", "--dir", "b", "--port", "70000"], "--port", "1 to 65535, got '70000'"),
    (["memory", "--db", "", "list"], "--db", "expected a value, got ''"),
])
def test_bad_values_are_refused_naming_the_flag(capsys, argv, flag, says):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    line = one_line(capsys.readouterr().err)
    assert flag in line and says in line


def test_memory_db_in_a_missing_folder_is_an_error(capsys, tmp_path):
    code, _, err = cli(capsys, "memory", "--db", str(tmp_path / "missing" / "m.sqlite3"), "list")
    assert code == 1
    assert f"no folder {tmp_path / 'missing'}" in one_line(err)


def test_bridge_fails_fast_when_the_broker_is_not_there(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSES_AGENT_HOME", str(tmp_path))
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    code, _, err = cli(capsys, "bridge", "--mqtt", f"mqtt://127.0.0.1:{port}", "--perception", "none", "--world", "none")
    assert code == 1 and time.monotonic() - started < 10
    line = one_line(err)
    assert f"cannot reach the broker at 127.0.0.1:{port}" in line and "--retry" in line


def test_bridge_with_retry_keeps_waiting(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSES_AGENT_HOME", str(tmp_path))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = cli(capsys, "bridge", "--mqtt", f"mqtt://127.0.0.1:{port}", "--retry", "--duration", "1",
                       "--perception", "none", "--world", "none")
    assert code == 0, err  # still waiting for its broker when --duration ran out
    assert "cannot reach" not in err


@pytest.mark.skipif(shutil.which("mosquitto") is None, reason="needs mosquitto")
def test_broker_start_on_a_busy_port_says_why(capsys):
    # Outside pytest's private tmp folders: as root, Mosquitto runs as its own user and must reach its files.
    tmp_path = Path(tempfile.mkdtemp(prefix="glasses-agent-busy-"))
    tmp_path.chmod(0o755)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        folder = tmp_path / "broker"
        code, _, err = cli(capsys, "broker", "init", "--dir", str(folder), "--no-tls", "--port", str(port))
        assert code == 0, err
        code, _, err = cli(capsys, "broker", "start", "--dir", str(folder))
    shutil.rmtree(tmp_path, ignore_errors=True)
    assert code == 1
    line = one_line(err)
    assert "mosquitto exited" in line and "Address already in use" in line


def test_replay_record_out_alone_records_the_agent_and_keeps_truth(capsys, scene, tmp_path):
    out = tmp_path / "mind.mcap"
    code, stdout, err = cli(capsys, "replay", str(scene), "--record-out", str(out), "--memory", str(tmp_path / "m.sqlite3"))
    assert code == 0, err
    # The README's example: the demo scene's five prompts (its looming disc is warned of twice,
    # at 11 and then 12 o'clock as it keeps coming: tests/golden/demo.prompts.jsonl).
    assert "prompts    5" in stdout
    code, stdout, _ = cli(capsys, "info", str(out), "--json")
    info = json.loads(stdout)
    counts = {c["topic"]: c["messages"] for c in info["channels"]}
    assert counts["/agent/prompts"] == 5 and counts["/agent/log"] == 5
    assert counts["/truth"] > 0 and counts["/agent/annotations"] > 0
    assert info["wall_clock_start"] == "2026-01-01T00:00:00.000000Z"  # the scene's date, kept


@pytest.mark.parametrize(("scene_name", "kind"), [("read", "text_read"), ("dark", "low_light"), ("talk", "speech"),
                                                  ("approach", "hazard")])
def test_record_synthetic_offers_a_scene_for_each_prompt_kind(capsys, tmp_path, scene_name, kind):
    rec, prompts = tmp_path / f"{scene_name}.mcap", tmp_path / "p.jsonl"
    assert main(["record", "--synthetic", scene_name, "--out", str(rec)]) == 0
    code, _, err = cli(capsys, "replay", str(rec), "--prompts-out", str(prompts), "--memory", str(tmp_path / "m.sqlite3"))
    assert code == 0, err
    kinds = {json.loads(line)["kind"] for line in prompts.read_text().splitlines()}
    assert kind in kinds


def test_info_fails_on_damage_and_on_nothing_readable(capsys, scene, tmp_path):
    code, stdout, _ = cli(capsys, "info", str(scene))
    assert code == 0 and "chunks checked" in stdout and "2026-01-01" in stdout
    data = bytearray(scene.read_bytes())
    data[len(data) // 2] ^= 0x40
    flipped = tmp_path / "flipped.mcap"
    flipped.write_bytes(bytes(data))
    code, stdout, err = cli(capsys, "info", str(flipped))
    assert code == 1 and "damaged at byte" in one_line(err)
    head = tmp_path / "head.mcap"
    head.write_bytes(scene.read_bytes()[:200])  # the header and nothing whole after it
    code, _, err = cli(capsys, "info", str(head))
    assert code == 1 and "recovered 0 of" in one_line(err)


def test_replay_of_a_damaged_file_recovers_what_is_before_the_damage(capsys, scene, tmp_path):
    data = bytearray(scene.read_bytes())
    data[len(data) // 2] ^= 0x40
    flipped = tmp_path / "flipped.mcap"
    flipped.write_bytes(bytes(data))
    code, stdout, err = cli(capsys, "replay", str(flipped), "--json")
    assert code == 0
    assert "is damaged" in err and "recovered" in err
    frames = json.loads(stdout)["frames"]
    assert 0 < frames["camera"] < 160  # the chunks before the damage
