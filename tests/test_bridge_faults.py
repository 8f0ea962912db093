"""Faults against a real Mosquitto: broker restarts, devices dropping off, late prompts, lost audio."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys

from firmware_bridge.bridge import Bridge
from firmware_bridge.emulator import DeviceEmulator
from glasses_agent.prompts import Prompt
from tests.support.mosquitto import (
    AGENT_PASSWORD, AGENT_USER, address, agent_factory, dark_scene, run_session, wait_for,
)


def _bridge(mosquitto, tmp_path) -> Bridge:
    return Bridge(address(mosquitto, AGENT_USER, AGENT_PASSWORD), agent_factory=agent_factory(tmp_path),
                  outbox_path=tmp_path / "outbox.sqlite3")


def _prompt(bridge: Bridge, kind: str, text: str, ttl_ms: int = 60_000, age_ns: int = 0) -> Prompt:
    t_ns = bridge.now_ns() - age_ns
    return Prompt(id=f"{kind}-{t_ns:x}", t_ns=t_ns, kind=kind, text=text, ttl_ms=ttl_ms)


def test_broker_restart_loses_no_prompt_and_shows_none_twice(mosquitto, tmp_path):
    mosquitto.add_device("dev1")

    async def session():
        stop = asyncio.Event()
        bridge = _bridge(mosquitto, tmp_path)
        device = DeviceEmulator(address(mosquitto, "dev1", "dev1-secret"), "dev1")
        tasks = [asyncio.create_task(bridge.run(stop)), asyncio.create_task(device.run(stop))]
        try:
            await bridge.wait_connected()
            await wait_for(device.online.is_set, 10, "the device online")
            first = _prompt(bridge, "hazard", "Something approaching fast")
            await bridge.deliver("dev1", [first])
            await wait_for(lambda: bridge.outbox.count() == 0, 10, "the first prompt acked")

            mosquitto.stop()  # both lose the broker; what the agent says meanwhile waits in the outbox
            await wait_for(lambda: not device.online.is_set() and bridge._client is None, 10, "both to notice")
            during = [_prompt(bridge, "people", "2 people here"), _prompt(bridge, "speech", "Someone is speaking")]
            await bridge.deliver("dev1", during)
            assert bridge.outbox.count() == 2
            mosquitto.start()

            await wait_for(lambda: bridge.outbox.count() == 0, 20, "the outbox to drain after the restart")
            # A re-send of something already shown (an ack lost in the outage) is acked, never re-shown.
            await bridge._publish("dev1", "prompt", json.dumps({"v": 1, **during[0].to_record()}).encode())
            await wait_for(lambda: device.stats.duplicates >= 1, 10, "the duplicate to arrive")
        finally:
            stop.set()
            await asyncio.gather(*tasks)
        return bridge, device, [first, *during]

    bridge, device, sent = run_session(session())
    shown = [s.record["id"] for s in device.stats.shown]
    assert shown[0] == sent[0].id and sorted(shown) == sorted(p.id for p in sent)  # every one, once each
    assert device.stats.connections == 2 and bridge.connections == 2


def test_expired_prompts_are_never_shown(mosquitto, tmp_path):
    mosquitto.add_device("dev1")

    async def session():
        stop = asyncio.Event()
        bridge = _bridge(mosquitto, tmp_path)
        device = DeviceEmulator(address(mosquitto, "dev1", "dev1-secret"), "dev1")
        tasks = [asyncio.create_task(bridge.run(stop)), asyncio.create_task(device.run(stop))]
        try:
            await bridge.wait_connected()
            await wait_for(device.online.is_set, 10, "the device online")
            # Expired while waiting in the outbox: the bridge drops it instead of sending.
            stale = _prompt(bridge, "people", "2 people here", ttl_ms=1000, age_ns=2 * 10**9)
            await bridge.deliver("dev1", [stale])
            assert bridge.outbox.count() == 0 and bridge.outbox.expired == 1
            # Expired on arrival (a slow path somewhere): the device drops it.
            late = _prompt(bridge, "speech", "Someone is speaking", ttl_ms=1000, age_ns=3 * 10**9)
            await bridge._publish("dev1", "prompt", json.dumps({"v": 1, **late.to_record()}).encode())
            fresh = _prompt(bridge, "hazard", "Something approaching fast")
            await bridge.deliver("dev1", [fresh])
            await wait_for(lambda: device.stats.shown and device.stats.expired == 1, 10, "the fresh prompt and the late one")
        finally:
            stop.set()
            await asyncio.gather(*tasks)
        return device, fresh

    device, fresh = run_session(session())
    assert [s.record["id"] for s in device.stats.shown] == [fresh.id]


def test_dropped_audio_chunks_are_flagged_as_gaps_downstream(mosquitto, tmp_path):
    mosquitto.add_device("dev1")

    async def session():
        stop = asyncio.Event()
        bridge = _bridge(mosquitto, tmp_path)
        device = DeviceEmulator(address(mosquitto, "dev1", "dev1-secret"), "dev1", dark_scene(2.0), drop_audio_seqs={8, 9})
        tasks = [asyncio.create_task(bridge.run(stop))]
        await bridge.wait_connected()
        tasks.append(asyncio.create_task(device.run(stop)))
        try:
            await wait_for(device.streaming_done.is_set, 15, "the scene to be sent")
            session = bridge.sessions["dev1"]
            await wait_for(lambda: session.messages["audio"] == 18 and session.sink.audio_gap_ticks > 0, 10,
                           "the other chunks, and ticks that flag the gap")
            return session.summary(), session.sink.audio_gaps_ns
        finally:
            stop.set()
            await asyncio.gather(*tasks)

    summary, gaps = run_session(session())
    assert summary["seq_gaps"] == {"audio": 2}
    # The two lost chunks are one 200 ms zero-filled hole that every tick whose one-second window
    # covers it flags (a chunk merely late for one tick would be flagged once, then filled).
    (start, end), ticks = gaps.most_common(1)[0]
    assert 190e6 <= end - start <= 210e6 and ticks >= 5


def test_a_device_that_drops_off_shows_offline_through_its_will(mosquitto, tmp_path):
    mosquitto.add_device("dev1")
    scene = tmp_path / "dark.mcap"
    from streams.recording import McapRecorder
    with McapRecorder(scene) as rec:
        for frame in dark_scene(30.0):
            rec.write(frame)

    async def session():
        stop = asyncio.Event()
        bridge = _bridge(mosquitto, tmp_path)
        task = asyncio.create_task(bridge.run(stop))
        await bridge.wait_connected()
        env = {**os.environ, "GLASSES_AGENT_MQTT_PASSWORD": "dev1-secret"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "tools.cli", "device", "--id", "dev1", "--mqtt", f"mqtts://dev1@127.0.0.1:{mosquitto.port}",
             "--ca", str(mosquitto.layout.ca_cert), "--replay", str(scene)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            await wait_for(lambda: "dev1" in bridge.sessions and bridge.sessions["dev1"].state == "online"
                           and bridge.sessions["dev1"].messages["camera"] > 3, 30, "the device online and streaming")
            proc.send_signal(signal.SIGKILL)  # no goodbye: the broker publishes the will
            proc.wait()
            await wait_for(lambda: bridge.sessions["dev1"].state == "offline", 10, "the will")
            status = bridge.sessions["dev1"].status
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            stop.set()
            await task
        return status

    assert run_session(session()) == {"v": 1, "state": "offline"}
