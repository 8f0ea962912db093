"""Emulator -> Mosquitto (TLS, passwords, ACL) -> bridge -> real Agent -> prompt -> emulator -> ack."""

from __future__ import annotations

import asyncio

from firmware_bridge.bridge import Bridge
from firmware_bridge.emulator import DeviceEmulator
from tests.support.mosquitto import (
    AGENT_PASSWORD, AGENT_USER, address, agent_factory, bright_scene, dark_scene, run_session, wait_for,
)


def test_dark_room_gets_a_low_light_prompt_that_is_shown_once_and_acked(mosquitto, tmp_path):
    mosquitto.add_device("dev1")
    mosquitto.add_device("dev2")

    async def session():
        stop = asyncio.Event()
        bridge = Bridge(address(mosquitto, AGENT_USER, AGENT_PASSWORD), agent_factory=agent_factory(tmp_path),
                        outbox_path=tmp_path / "outbox.sqlite3")
        # dev1's clock is 5 minutes off the agent's: the time exchange must bridge that.
        dark = DeviceEmulator(address(mosquitto, "dev1", "dev1-secret"), "dev1", dark_scene(3.0),
                              clock_skew_ns=300 * 10**9, feedback={"low_light": "helpful"})
        lit = DeviceEmulator(address(mosquitto, "dev2", "dev2-secret"), "dev2", bright_scene(3.0))
        tasks = [asyncio.create_task(bridge.run(stop))]
        await bridge.wait_connected()
        tasks += [asyncio.create_task(dark.run(stop)), asyncio.create_task(lit.run(stop))]
        try:
            await wait_for(lambda: dark.stats.shown and bridge.acks["helpful"] >= 1, 30, "a low-light prompt shown and acked")
            await wait_for(lambda: dark.streaming_done.is_set() and lit.streaming_done.is_set(), 15, "the scenes to end")
            await wait_for(lambda: bridge.outbox.count() == 0, 10, "the outbox to empty")
            summary = bridge.summary()
        finally:
            stop.set()
            await asyncio.gather(*tasks)
        return bridge, dark, lit, summary

    bridge, dark, lit, summary = run_session(session())

    kinds = [s.record["kind"] for s in dark.stats.shown]
    assert kinds.count("low_light") == 1 and not lit.stats.shown, (kinds, summary)
    prompt = dark.stats.shown[0]
    assert 0 <= prompt.latency_ns < 2 * 10**9  # evidence to display, on the shared clock
    assert abs(dark.stats.offset_ns + 300 * 10**9) < 50 * 10**6  # the exchange found the 5-minute skew
    assert dark.stats.configs and dark.stats.configs[-1]["tick_hz"] == 10
    assert not dark.stats.errors and not lit.stats.errors
    devices = summary["devices"]
    assert devices["dev1"]["messages"]["camera"] >= 25 and devices["dev1"]["ticks_processed"] > 20
    assert devices["dev2"]["messages"]["camera"] >= 25
    # The wearer's "helpful" reached the agent's critic and its memory, in dev1's file only.
    from glasses_agent.memory import MemoryStore

    with MemoryStore(str(tmp_path / "dev1.sqlite3"), "dev1") as store:
        assert [f.verdict for f in store.feedback(kind="low_light")] == ["helpful"]
    assert (tmp_path / "dev2.sqlite3").exists()

