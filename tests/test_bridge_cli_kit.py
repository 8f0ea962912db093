"""The command line's new parts as processes: `conformance` against `device` (with and without a
fault), `bridge --log-format json`, and ids checked before anything runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.support.mosquitto import AGENT_PASSWORD, AGENT_USER, dark_scene


def _start(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tools.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})})


def _scene(tmp_path):
    from streams.recording import McapRecorder

    path = tmp_path / "dark.mcap"
    with McapRecorder(path) as rec:
        for frame in dark_scene(2.0):
            rec.write(frame)
    return path


def _kit_against_device(mosquitto, tmp_path, *faults: str) -> tuple[int, str]:
    mosquitto.add_device("dut")
    url = f"mqtts://127.0.0.1:{mosquitto.port}?ca={mosquitto.layout.ca_cert}"
    kit = _start("conformance", "--mqtt", url.replace("://", f"://{AGENT_USER}:{AGENT_PASSWORD}@"), "--id", "dut",
                 "--observe", "2", "--connect-timeout", "30")
    try:
        assert "conformance of device dut" in kit.stdout.readline()
        assert "start (or restart) it now" in kit.stdout.readline()  # the kit listens before the device starts
        fault_args = [a for f in faults for a in ("--fault", f)]
        device = _start("device", "--id", "dut", "--mqtt", url, "--replay", str(_scene(tmp_path)), "--loop",
                        "--duration", "40", *fault_args, env={"GLASSES_AGENT_MQTT_PASSWORD": "dut-secret"})
        out, err = kit.communicate(timeout=90)
    finally:
        kit.kill()
        device.terminate()
        device.communicate(timeout=30)
    return kit.returncode, out + err


def test_conformance_passes_the_reference_device(mosquitto, tmp_path):
    rc, out = _kit_against_device(mosquitto, tmp_path)
    assert rc == 0, out
    assert "[PASS] acks within the deadline" in out and "11 passed, 0 failed, 3 skipped" in out
    assert "[SKIP] JSON streams: none sent" in out  # the recording has no IMU; will and session need --reconnect-wait


def test_conformance_fails_a_slow_device_and_says_which_item(mosquitto, tmp_path):
    rc, out = _kit_against_device(mosquitto, tmp_path, "slow_ack")
    assert rc == 1, out
    assert "[FAIL] acks within the deadline" in out and "[PASS] stamps" in out


def test_bridge_log_format_json_writes_one_event_object_per_line(mosquitto, tmp_path):
    mosquitto.add_device("dev1")
    url = f"mqtts://127.0.0.1:{mosquitto.port}?ca={mosquitto.layout.ca_cert}"
    bridge = _start("bridge", "--mqtt", url.replace("://", f"://{AGENT_USER}:{AGENT_PASSWORD}@"), "--log-format", "json",
                    "--perception", "none", "--world", "none", env={"GLASSES_AGENT_HOME": str(tmp_path / "home")})
    try:
        assert "serving devices" in bridge.stderr.readline()  # the banner is not on stdout
        device = subprocess.run([sys.executable, "-m", "tools.cli", "device", "--id", "dev1", "--mqtt", url, "--replay",
                                 str(_scene(tmp_path)), "--fault", "bad_audio"], capture_output=True, text=True, timeout=60,
                                env={**os.environ, "GLASSES_AGENT_MQTT_PASSWORD": "dev1-secret"})
        assert device.returncode == 0, device.stderr
    finally:
        bridge.terminate()
        out, _ = bridge.communicate(timeout=30)
    events = [json.loads(line) for line in out.splitlines()]
    names = [e["event"] for e in events]
    assert {"online", "prompt_sent", "prompt_acked", "rejected"} <= set(names), names
    assert all(e["device"] == "dev1" and e["ts"].endswith("Z") for e in events)
    assert {e["code"] for e in events if e["event"] == "rejected"} == {"bad_audio"}


@pytest.mark.parametrize("args", [
    ("run", "--demo", "--wearer", "../../etc"),
    ("memory", "--wearer", "a/b", "list"),
    ("device", "--id", "dev1\n", "--mqtt", "mqtt://localhost", "--replay", "x.mcap"),
    ("conformance", "--id", "#", "--mqtt", "mqtt://localhost"),
])
def test_ids_that_would_reach_a_path_or_a_topic_are_refused_in_one_line(args):
    result = subprocess.run([sys.executable, "-m", "tools.cli", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 or "usage:" in result.stderr.splitlines()[0]
    assert "bad wearer" in result.stderr or "bad device id" in result.stderr
