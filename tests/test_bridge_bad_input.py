"""Bad payloads through a real broker: each refused, counted and reported; everyone else goes on."""

from __future__ import annotations

import asyncio
import json

import numpy as np

from firmware_bridge.bridge import Bridge
from firmware_bridge.emulator import DeviceEmulator, encode_jpeg
from tests.support.mosquitto import AGENT_PASSWORD, AGENT_USER, address, agent_factory, dark_scene, wait_for


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

    sloppy, good, summary = asyncio.run(session())
    codes = [e["code"] for e in sloppy.stats.errors]
    assert codes == ["bad_jpeg", "bad_jpeg", "unsupported_version", "bad_size", "too_large", "bad_json", "bad_schema"]
    assert [e["rejected_total"] for e in sloppy.stats.errors] == list(range(1, 8))
    assert sloppy.stats.errors[-1]["topic"] == "glasses/sloppy/imu" and sloppy.stats.errors[-1]["detail"].startswith("seq:")
    assert summary["devices"]["sloppy"]["rejected"] == {"bad_jpeg": 2, "unsupported_version": 1, "bad_size": 1,
                                                         "too_large": 1, "bad_json": 1, "bad_schema": 1}
    assert summary["devices"]["good"]["rejected"] == {} and not good.stats.errors
    assert [s.record["kind"] for s in good.stats.shown] == ["low_light"]
