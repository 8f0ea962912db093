"""The command line: broker set-up and provisioning, the bridge and the device emulator as processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.mosquitto import AGENT_PASSWORD, AGENT_USER, dark_scene, mosquitto_available


def _cli(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.cli", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def _one_line_error(result: subprocess.CompletedProcess, pattern: str) -> None:
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert re.search(pattern, lines[0]), lines[0]


@pytest.mark.skipif(not mosquitto_available(), reason="needs Mosquitto (apt-get install -y mosquitto)")
def test_broker_init_and_provision_make_a_working_tls_broker(tmp_path):
    import asyncio

    from firmware_bridge.connection import parse_url
    from tests.support.mosquitto import Mosquitto

    import shutil
    import tempfile

    # Not under pytest's tmp_path: as root, mosquitto drops to its own user, which cannot enter it.
    broker_dir = Path(tempfile.mkdtemp(prefix="glasses-agent-broker-cli-"))
    port = Mosquitto(tmp_path).port
    made = _cli("broker", "init", "--dir", str(broker_dir), "--port", str(port), "--agent-password", "pw-agent")
    assert made.returncode == 0, made.stderr
    assert "mqtts://agent:pw-agent@localhost" in made.stdout
    prov = _cli("broker", "provision", "--dir", str(broker_dir), "--id", "glasses-7")
    assert prov.returncode == 0, prov.stderr
    password = re.search(r"password (\S+) \(shown once", prov.stdout).group(1)
    assert "glasses-7" in (broker_dir / "passwords").read_text() and password not in (broker_dir / "passwords").read_text()
    bad = _cli("broker", "provision", "--dir", str(broker_dir), "--id", "bad id!")
    assert bad.returncode == 2 and "bad device id 'bad id!'" in bad.stderr and "Traceback" not in bad.stderr

    proc = subprocess.Popen([sys.executable, "-m", "tools.cli", "broker", "start", "--dir", str(broker_dir)], stderr=subprocess.PIPE)
    try:
        import socket
        import time

        deadline = time.monotonic() + 5
        while True:  # readiness: the port accepts connections
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read() if proc.poll() else "slow"
                time.sleep(0.02)

        async def login(user, pw):
            async with parse_url(f"mqtts://{user}:{pw}@localhost:{port}", ca_file=str(broker_dir / "ca.crt")).client(user):
                return True

        assert asyncio.run(login("glasses-7", password)) and asyncio.run(login("agent", "pw-agent"))
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(broker_dir, ignore_errors=True)


def test_bad_urls_and_flags_are_one_line_errors(tmp_path):
    _one_line_error(_cli("device", "--id", "d1", "--mqtt", "mqtt://broker.example", "--replay", "x.mcap"),
                    r"refusing plain MQTT to broker\.example")
    _one_line_error(_cli("device", "--id", "d1", "--mqtt", "http://x", "--replay", "x.mcap"), r"must start with mqtts://")
    _one_line_error(_cli("device", "--id", "d1", "--mqtt", "localhost", "--ca", str(tmp_path / "no.crt"), "--replay", "x"),
                    r"CA file .* does not exist")
    _one_line_error(_cli("device", "--id", "d1", "--mqtt", "localhost", "--replay", str(tmp_path / "missing.mcap")),
                    r"no such file")
    bad_id = _cli("device", "--id", "bad id", "--mqtt", "localhost", "--camera", "0", "--duration", "1")
    assert bad_id.returncode == 2 and "bad device id 'bad id'" in bad_id.stderr  # a usage error, before connecting
    _one_line_error(_cli("device", "--id", "d1", "--mqtt", "localhost", "--replay", "x", "--feedback", "hazard=love"),
                    r"--feedback wants KIND=helpful")
    _one_line_error(_cli("broker", "start", "--dir", str(tmp_path / "nothing")), r"broker init")


def test_a_wrong_password_is_one_line_and_exit_1(mosquitto, tmp_path):
    mosquitto.add_device("dev1")
    from streams.recording import McapRecorder

    scene = tmp_path / "dark.mcap"
    with McapRecorder(scene) as rec:
        for frame in dark_scene(1.0):
            rec.write(frame)
    result = _cli("device", "--id", "dev1", "--mqtt", f"mqtts://dev1:nope@127.0.0.1:{mosquitto.port}",
                  "--ca", str(mosquitto.layout.ca_cert), "--replay", str(scene))
    _one_line_error(result, r"refused the login")


def test_bridge_and_device_commands_serve_a_dark_room_end_to_end(mosquitto, tmp_path):
    """`glasses-agent bridge` (what `run --mqtt` calls) and `glasses-agent device`, as separate processes."""
    mosquitto.add_device("dev1")
    from streams.recording import McapRecorder

    scene = tmp_path / "dark.mcap"
    with McapRecorder(scene) as rec:
        for frame in dark_scene(2.0):
            rec.write(frame)
    url = f"mqtts://127.0.0.1:{mosquitto.port}?ca={mosquitto.layout.ca_cert}"
    home = {"GLASSES_AGENT_HOME": str(tmp_path / "home")}
    bridge = subprocess.Popen(
        [sys.executable, "-m", "tools.cli", "bridge", "--mqtt", url.replace("://", f"://{AGENT_USER}:{AGENT_PASSWORD}@"),
         "--duration", "40", "--perception", "none", "--world", "none"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **home})
    try:
        assert "serving devices" in bridge.stdout.readline()
        device = _cli("device", "--id", "dev1", "--mqtt", url, "--replay", str(scene), "--feedback", "*=helpful",
                      env={"GLASSES_AGENT_MQTT_PASSWORD": "dev1-secret"})
        assert device.returncode == 0, device.stderr
        assert re.search(r"^PROMPT low_light +It is dark here", device.stdout, re.M), device.stdout
        tally = re.search(r"prompts shown (\d+), duplicates ignored (\d+), expired 0; errors from the bridge 0", device.stdout)
        assert tally and tally.group(1) == "1", device.stdout  # shown once, however often it came
    finally:
        bridge.terminate()  # SIGTERM ends it as Ctrl-C would not: the summary is not needed here
        out, err = bridge.communicate(timeout=30)
    assert re.search(r" online device=dev1 ", out), (out, err)
    assert re.search(r" prompt_sent device=dev1 prompt=\S+ kind=low_light text=\"It is dark here", out), (out, err)
    # The bridge re-sends a prompt not acked within 2 s (docs/protocol.md); on a loaded machine the
    # device's ack can take longer, and the re-send reaches it as a duplicate it must ignore. Every
    # duplicate the device ignored is one the bridge re-sent (a re-send racing the ack may find the
    # device gone, so it can have fewer).
    assert int(tally.group(2)) <= len(re.findall(r" prompt_resent device=dev1 ", out)), (device.stdout, out)
    assert (tmp_path / "home" / "devices" / "dev1.sqlite3").exists()  # memory partitioned per device
    assert (tmp_path / "home" / "bridge-outbox.sqlite3").exists()


@pytest.mark.skipif(not mosquitto_available(), reason="needs Mosquitto (apt-get install -y mosquitto)")
def test_bench_bridge_takes_its_settings_as_flags_and_writes_figures(tmp_path):
    out = tmp_path / "bridge.json"
    # The environment says 3 devices; the flag wins.
    result = _cli("bench", "bridge", "--devices", "1", "--seconds", "3", "--ramp", "", "--perception", "none",
                  "--out", str(out), env={"BRIDGE_BENCH_DEVICES": "3"}, timeout=120)
    assert result.returncode == 0, result.stderr
    import json

    figures = json.loads(out.read_text())
    assert figures["devices"] == 1 and figures["seconds"] == 3
    assert figures["frames_sent"] > 0 and figures["ticks_processed"] > 0
    assert figures["ramp"] == [{"devices": 1, "real_time": figures["real_time"],
                                "frame_drop_rate": figures["frame_drop_rate"], "tick_drop_rate": figures["tick_drop_rate"]}]
    assert "largest_real_time_devices" in result.stdout
    bad = _cli("bench", "bridge", "--ramp", "6,x")
    assert bad.returncode == 2 and "whole number" in bad.stderr and "Traceback" not in bad.stderr
