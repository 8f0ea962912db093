"""Provisioning a device on a broker that has only just started: the reload must not kill it.

Mosquitto opens its listeners before it installs its signal handlers (its main(): listeners
start, then the handlers, then "running"). A broker that already accepts connections can still be
in between, and a SIGHUP then takes the default action: the broker exits, and every device and the
bridge after it get "connection refused" (a CI run of test_bridge_cli, at a load of 8-14 on two
cores). A stand-in broker keeps mosquitto's order with a wide gap, so the window is always hit.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from firmware_bridge import broker as setup

# Listens, writes its pid file, and only then (after GAP_S) catches SIGHUP, noting each reload.
STARTING_BROKER = """
import os, signal, socket, sys, time
pid_file, port_file, reloads_file, gap_s = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen()
open(pid_file, "w").write(str(os.getpid()))
open(port_file, "w").write(str(listener.getsockname()[1]))
time.sleep(gap_s)
signal.signal(signal.SIGHUP, lambda *_: open(reloads_file, "a").write("reloaded\\n"))
while True:
    time.sleep(1)
"""
GAP_S = 1.5


def _wait(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.01)


def _accepts(port_file: Path) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", int(port_file.read_text())), timeout=0.1):
            return True
    except (OSError, ValueError):
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for the broker's signal handlers")
def test_a_reload_right_after_the_port_opens_waits_for_the_broker_instead_of_killing_it(tmp_path):
    layout = setup.BrokerLayout.at(tmp_path / "broker")
    layout.root.mkdir()
    port_file, reloads = tmp_path / "port", tmp_path / "reloads"
    proc = subprocess.Popen([sys.executable, "-c", STARTING_BROKER, str(layout.pid_file), str(port_file), str(reloads),
                             str(GAP_S)])
    try:
        _wait(lambda: _accepts(port_file) and layout.pid_file.exists(), 10.0, "the stand-in broker to listen")
        setup.reload(layout)  # as the fixture's add_device does, the moment the port accepts
        _wait(lambda: reloads.exists() or proc.poll() is not None, 10.0, "the reload to reach the broker")
        assert proc.poll() is None, f"the broker died of the reload (exit {proc.returncode})"
        assert reloads.read_text() == "reloaded\n"
    finally:
        proc.kill()
        proc.wait()


def test_a_reload_of_a_broker_that_is_gone_is_a_one_line_error(tmp_path):
    layout = setup.BrokerLayout.at(tmp_path / "broker")
    layout.root.mkdir()
    layout.pid_file.write_text("999999999")
    with pytest.raises(setup.BrokerSetupError, match="no running broker"):
        setup.reload(layout)
