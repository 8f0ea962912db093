"""The conformance kit against the reference emulator through a real Mosquitto: the emulator
passes every item; a deliberately broken emulator fails exactly the items its faults break."""

from __future__ import annotations

import asyncio

import pytest

from firmware_bridge.conformance import ConformanceKit, format_checklist
from firmware_bridge.emulator import FAULTS, DeviceEmulator
from tests.support.mosquitto import AGENT_PASSWORD, AGENT_USER, address, dark_scene, run_session

ITEMS = ["status online", "time sync", "stamps", "sequence numbers", "camera frames", "audio chunks", "JSON streams",
         "acks within the deadline", "re-sent prompt acked again", "expired prompt not shown",
         "survives every error reply", "resync after clock_unsynced", "will on unclean drop",
         "reconnect with the same session"]


def _scene() -> list:
    """Camera and audio from a dark room, plus IMU at 10 Hz and one telemetry report."""
    from streams.frames import NS_PER_S, Event, ImuSample

    imu = [ImuSample(t_ns=i * NS_PER_S // 10, seq=i, source="imu", accel=(0.0, 0.0, 9.8), gyro=(0.0, 0.0, 0.0))
           for i in range(20)]
    telemetry = [Event(t_ns=NS_PER_S // 2, seq=0, source="telemetry", name="telemetry", data={"battery": 0.8})]
    return sorted(dark_scene(2.0) + imu + telemetry, key=lambda f: (f.t_ns, f.source))


def _run_kit(mosquitto, faults=(), skew_ns=0):
    mosquitto.add_device("dut")

    async def session():
        stop = asyncio.Event()
        device = DeviceEmulator(address(mosquitto, "dut", "dut-secret"), "dut", _scene(), loop=True,
                                faults=faults, clock_skew_ns=skew_ns)

        def on_phase(phase: str) -> None:
            if phase == "reconnect":  # what the kit asks the operator: cut the device's network
                device.drop_connection(offline_s=1.5)

        kit = ConformanceKit(address(mosquitto, AGENT_USER, AGENT_PASSWORD), "dut", observe_s=2.0, reconnect_wait_s=8.0,
                             on_phase=on_phase)
        kit_task = asyncio.create_task(kit.run())
        await asyncio.sleep(0.3)  # the kit is subscribed before the device starts (as the CLI tells the operator)
        device_task = asyncio.create_task(device.run(stop))
        try:
            checks = await kit_task
        finally:
            stop.set()
            await asyncio.gather(device_task, return_exceptions=True)
        return checks

    return run_session(session(), timeout_s=120)


def test_the_reference_emulator_passes_every_item(mosquitto):
    checks = _run_kit(mosquitto)
    printed = format_checklist(checks)
    assert [c.item for c in checks] == ITEMS, printed
    assert [c.item for c in checks if c.status != "pass"] == [], printed
    assert printed.endswith(f"{len(ITEMS)} passed, 0 failed, 0 skipped")


def test_a_broken_emulator_fails_the_items_its_faults_break(mosquitto):
    faults = ("no_time_sync", "seq_repeat", "bad_audio", "shows_expired", "fresh_session", "ignores_errors")
    checks = _run_kit(mosquitto, faults=faults, skew_ns=50_000_000_000)
    printed = format_checklist(checks)
    failed = {c.item for c in checks if c.status == "fail"}
    assert failed == {"time sync", "stamps", "sequence numbers", "audio chunks", "expired prompt not shown",
                      "resync after clock_unsynced", "reconnect with the same session"}, printed


def test_slow_acks_and_a_missing_will_fail_only_those_items(mosquitto):
    checks = _run_kit(mosquitto, faults=("slow_ack", "no_will"))
    failed = {c.item for c in checks if c.status == "fail"}
    assert failed == {"acks within the deadline", "re-sent prompt acked again", "will on unclean drop"}, format_checklist(checks)


def test_every_fault_is_documented():
    assert set(FAULTS) == {"no_will", "no_time_sync", "seq_repeat", "bad_audio", "slow_ack", "shows_expired",
                           "fresh_session", "ignores_errors"}
    with pytest.raises(Exception, match="unknown emulator fault"):
        DeviceEmulator(None, "d", faults=("bogus",))  # type: ignore[arg-type]
