"""docs/protocol.md is usable alone: its shell examples, run as written, talk to a real bridge.

The `sh example` code blocks are run in order in one bash script with mosquitto_pub,
mosquitto_sub and mosquitto_rr (one time exchange, one camera frame, one audio chunk, a status,
one prompt and its ack); only the `sh settings` block is replaced by this broker's address.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from firmware_bridge.bridge import Bridge
from streams.recording.codec import encode_jpeg
from tests.support.mosquitto import AGENT_PASSWORD, AGENT_USER, address, agent_factory, run_session

DOC = Path(__file__).resolve().parents[1] / "docs" / "protocol.md"
BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.S | re.M)


def doc_blocks(kind: str) -> list[str]:
    return [body for lang, info, body in BLOCK.findall(DOC.read_text()) if lang == "sh" and kind in info.split()]


def test_the_document_has_the_examples_it_promises():
    script = "\n".join(doc_blocks("example"))
    for needed in ("time/request", "/camera", "/audio", "/prompt", "/ack"):
        assert needed in script, needed
    assert len(doc_blocks("settings")) == 1


def test_the_shell_examples_run_against_the_bridge(mosquitto, tmp_path):
    for tool in ("mosquitto_pub", "mosquitto_sub", "mosquitto_rr", "jq"):
        if shutil.which(tool) is None:
            pytest.skip(f"needs {tool} (apt-get install -y mosquitto-clients jq)")
    mosquitto.add_device("dev1")
    work = tmp_path / "device"
    work.mkdir()
    (work / "frame.jpg").write_bytes(encode_jpeg(np.full((96, 128, 3), 8, np.uint8)))
    settings = (f'ID=dev1\nPASS=dev1-secret\n'
                f'MQ="-h localhost -p {mosquitto.port} --cafile {mosquitto.layout.ca_cert} -u $ID -P $PASS -V mqttv5"\n')
    script = "set -euo pipefail\n" + settings + "\n".join(doc_blocks("example"))

    async def session():
        stop = asyncio.Event()
        bridge = Bridge(address(mosquitto, AGENT_USER, AGENT_PASSWORD), agent_factory=agent_factory(tmp_path),
                        outbox_path=tmp_path / "outbox.sqlite3")
        task = asyncio.create_task(bridge.run(stop))
        try:
            await bridge.wait_connected()
            proc = await asyncio.create_subprocess_exec("bash", "-c", script, cwd=work, stdout=asyncio.subprocess.PIPE,
                                                        stderr=asyncio.subprocess.STDOUT)
            out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
            summary = bridge.summary()
        finally:
            stop.set()
            await task
        return proc.returncode, out.decode(), summary

    rc, out, summary = run_session(session())
    assert rc == 0, out
    assert re.search(r"^offset -?\d+ ns, round trip \d+ ns$", out, re.M), out
    assert "low_light: It is dark here" in out
    dev = summary["devices"]["dev1"]
    assert dev["messages"] == {"camera": 1, "audio": 1, "status": 1, "time/request": 1, "ack": 1}
    # Honest timing: the round trip is the exchange's own; the connection's handshakes are not in it.
    rtt_ns = int(re.search(r"round trip (-?\d+) ns", out).group(1))
    log = (tmp_path / "device" / "rr.log").read_text()
    connect_ns = int(re.search(r"^(\d+) Client \S+ sending CONNECT", log, re.M).group(1))
    connack_ns = int(re.search(r"^(\d+) Client \S+ received CONNACK", log, re.M).group(1))
    received_ns = int(re.search(r"^(\d+) Client \S+ received PUBLISH", log, re.M).group(1))
    reply = json.loads(log.strip().splitlines()[-1].split(" ", 1)[1])
    whole_call_ns = (received_ns - connect_ns) - (reply["t3"] - reply["t2"])
    assert 0 <= rtt_ns <= whole_call_ns - (connack_ns - connect_ns), (rtt_ns, whole_call_ns, log)
    assert summary["rejected"] == {} and summary["acks"] == {"displayed": 1} and summary["prompts_pending"] == 0
