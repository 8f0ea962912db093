"""Bad payloads through a real broker: each refused, counted and reported; everyone else goes on."""

from __future__ import annotations

import asyncio
import json

import numpy as np

from firmware_bridge.bridge import Bridge
from firmware_bridge.emulator import DeviceEmulator
from streams.recording.codec import encode_jpeg
from tests.support.mosquitto import (
    AGENT_PASSWORD, AGENT_USER, address, agent_factory, dark_scene, run_session, wait_for,
)


def test_bad_payloads_are_reported_on_the_senders_error_topic_and_others_go_on(mosquitto, tmp_path):
    mosquitto.add_device("sloppy")
    mosquitto.add_device("good")
    jpeg = encode_jpeg(np.full((48, 64, 3), 90, np.uint8))

    async def session():
        stop = asyncio.Event()
        bridge = Bridge(address(mosquitto, AGENT_USER, AGENT_PASSWORD), agent_factory=agent_factory(tmp_path),
                        outbox_path=tmp_path / "outbox.sqlite3")
        sloppy = DeviceEmulator(address(mosquitto, "sloppy", "sloppy-secret"), "sloppy")
        good = DeviceEmulator(address(mosquitto, "good", "good-secret"), "good", dark_scene(3.0))
        tasks = [asyncio.create_task(bridge.run(stop))]
        await bridge.wait_connected()
        tasks += [asyncio.create_task(sloppy.run(stop)), asyncio.create_task(good.run(stop))]
        try:
            await wait_for(sloppy.online.is_set, 10, "the sloppy device online")
            now = sloppy.agent_now_ns()
            props = lambda seq, **over: {"v": "1", "seq": str(seq), "t_ns": str(now), **over}  # noqa: E731
            bad = [
                ("camera", jpeg[:-40], props(0)),  # truncated JPEG
                ("camera", b"\xff\xd8garbage\xff\xd9", props(1)),  # corrupt JPEG
                ("camera", jpeg, props(2, v="9")),  # wrong version
                ("camera", encode_jpeg(np.zeros((8, 8, 3), np.uint8)), props(3)),  # wrong size
                ("audio", b"\0" * 40_000, props(0, rate="16000")),  # oversized
                ("imu", b"{\"v\":1,", None),  # bad JSON
                ("imu", json.dumps({"v": 1, "seq": "x", "t_ns": now, "accel": [0, 0, 0], "gyro": [0, 0, 0]}).encode(), None),
            ]
            for name, payload, user_props in bad:
                await sloppy.publish_raw(name, payload, user_properties=user_props)
            await wait_for(lambda: len(sloppy.stats.errors) >= len(bad), 10, "every rejection reported")
            # After all that, the sloppy device's good frame is still accepted.
            await sloppy.publish_raw("camera", jpeg, user_properties=props(4))
            await wait_for(lambda: bridge.sessions["sloppy"].messages["camera"] == 1, 10, "the good frame accepted")
            await wait_for(lambda: good.stats.shown, 20, "the other device's prompt")
            summary = bridge.summary()
        finally:
            stop.set()
            await asyncio.gather(*tasks)
        return sloppy, good, summary

    sloppy, good, summary = run_session(session())
    codes = [e["code"] for e in sloppy.stats.errors]
    assert codes == ["bad_jpeg", "bad_jpeg", "unsupported_version", "bad_size", "too_large", "bad_json", "bad_schema"]
    assert [e["rejected_total"] for e in sloppy.stats.errors] == list(range(1, 8))
    assert sloppy.stats.errors[-1]["topic"] == "glasses/sloppy/imu" and sloppy.stats.errors[-1]["detail"].startswith("seq:")
    assert summary["devices"]["sloppy"]["rejected"] == {"bad_jpeg": 2, "unsupported_version": 1, "bad_size": 1,
                                                         "too_large": 1, "bad_json": 1, "bad_schema": 1}
    assert summary["devices"]["good"]["rejected"] == {} and not good.stats.errors
    assert [s.record["kind"] for s in good.stats.shown] == ["low_light"]


def test_generated_garbage_through_a_live_bridge_is_counted_reported_and_harmless(mosquitto, tmp_path):
    """Hypothesis feeds a running bridge (connected to Mosquitto) directly; a device watches its error topic."""
    import threading

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from firmware_bridge import protocol as P

    mosquitto.add_device("sloppy")
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    call = lambda coro, timeout=30: asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)  # noqa: E731
    stop = asyncio.Event()
    sloppy = DeviceEmulator(address(mosquitto, "sloppy", "sloppy-secret"), "sloppy")

    async def start():  # in the bridge's own thread: its SQLite outbox lives there
        bridge = Bridge(address(mosquitto, AGENT_USER, AGENT_PASSWORD), agent_factory=agent_factory(tmp_path),
                        outbox_path=tmp_path / "outbox.sqlite3")
        tasks = [asyncio.ensure_future(bridge.run(stop))]
        await bridge.wait_connected()
        tasks.append(asyncio.ensure_future(sloppy.run(stop)))
        await wait_for(sloppy.online.is_set, 10, "the device online")
        return bridge, tasks

    async def finish(tasks):
        stop.set()
        await asyncio.gather(*tasks)

    bridge, tasks = call(start())
    refused = {"n": 0}
    props = st.dictionaries(st.sampled_from(["v", "seq", "t_ns", "rate", "x"]), st.text(max_size=12), max_size=5)

    @settings(max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(name=st.sampled_from(list(P.UP_TOPICS) + ["selfie", "prompt", "config"]), payload=st.binary(max_size=64),
           user_props=props)
    def feed(name, payload, user_props):
        before = sum(bridge.rejected.values())
        msg = call(bridge.handle(f"glasses/sloppy/{name}", payload, user_props))
        if name in ("prompt", "config"):
            return  # down topics (another bridge's output) are ignored, not refused
        if msg is None:
            assert sum(bridge.rejected.values()) == before + 1
            refused["n"] += 1

    try:
        feed()
        assert refused["n"] > 50
        call(wait_for(lambda: len(sloppy.stats.errors) >= refused["n"] - 5, 10, "the reports on the error topic"))
        # The bridge still serves: a proper frame is taken, and the agent answers a time request.
        jpeg = encode_jpeg(np.full((48, 64, 3), 90, np.uint8))
        good = {"v": "1", "seq": "100", "t_ns": str(bridge.now_ns())}
        assert call(bridge.handle("glasses/sloppy/camera", jpeg, good)).frame is not None
        call(sloppy.sync_clock(rounds=1))
    finally:
        call(finish(tasks))
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
    assert bridge.internal_errors == 0
    assert {e["code"] for e in sloppy.stats.errors} <= {"bad_topic", "bad_json", "bad_schema", "unsupported_version",
                                                         "bad_jpeg", "bad_audio", "too_large", "clock_unsynced"}
