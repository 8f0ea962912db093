"""Through a real bridge and Mosquitto: a late ack is `expired_prompt` (not `unknown_prompt`) and
its feedback still teaches the critic; the buttons repeat, cycle the mode and toggle quiet, and
the new mode comes back to the device as config."""

from __future__ import annotations

import asyncio

from firmware_bridge.bridge import Bridge
from firmware_bridge.emulator import DeviceEmulator
from tests.support.mosquitto import AGENT_PASSWORD, AGENT_USER, address, agent_factory, dark_scene, run_session, wait_for


def _bridge(mosquitto, tmp_path):
    return Bridge(address(mosquitto, AGENT_USER, AGENT_PASSWORD), agent_factory=agent_factory(tmp_path),
                  outbox_path=tmp_path / "outbox.sqlite3")


def test_a_late_ack_is_expired_prompt_and_its_feedback_still_reaches_the_critic(mosquitto, tmp_path):
    mosquitto.add_device("late")

    async def session():
        stop = asyncio.Event()
        bridge = _bridge(mosquitto, tmp_path)
        device = DeviceEmulator(address(mosquitto, "late", "late-secret"), "late", dark_scene(2.0), auto_ack=False)
        tasks = [asyncio.create_task(bridge.run(stop))]
        await bridge.wait_connected()
        tasks.append(asyncio.create_task(device.run(stop)))
        try:
            await wait_for(lambda: device.stats.shown, 20, "a prompt shown (and not acked)")
            prompt = device.stats.shown[0].record
            # The device stays silent past the prompt's ttl: the bridge gives up on it.
            await wait_for(lambda: bridge.events.of("prompt_expired", "late"), 20, "the prompt to expire at the bridge")
            sends = bridge.events.of("prompt_sent", "late") + bridge.events.of("prompt_resent", "late")
            await device.ack(prompt["id"], "displayed")
            await wait_for(lambda: device.stats.errors, 10, "the reply to the late ack")
            await device.ack(prompt["id"], "helpful")
            await wait_for(lambda: bridge.events.of("feedback", "late"), 10, "the late feedback at the critic")
            await device.ack("never-sent", "helpful")
            await wait_for(lambda: len(device.stats.errors) == 2, 10, "the reply to an unknown prompt")
            learned = bridge.sessions["late"].agent.store.feedback(prompt["kind"])
        finally:
            stop.set()
            await asyncio.gather(*tasks)
        return prompt, sends, device.stats.errors, bridge.events.of("feedback", "late"), learned

    prompt, sends, errors, feedback, learned = run_session(session())
    assert [s["prompt"] for s in sends if s["prompt"] == prompt["id"]], "the prompt was sent before it expired"
    assert [e["code"] for e in errors] == ["expired_prompt", "unknown_prompt"]
    assert "expired before this ack" in errors[0]["detail"] and "never sent" in errors[1]["detail"]
    assert [(f["prompt"], f["label"], f["late"]) for f in feedback] == [(prompt["id"], "helpful", True)]
    assert [(f.prompt_id, f.verdict) for f in learned] == [(prompt["id"], "helpful")]


def test_buttons_repeat_cycle_and_quiet_through_the_bridge_back_as_config(mosquitto, tmp_path):
    mosquitto.add_device("buttons")

    async def session():
        stop = asyncio.Event()
        bridge = _bridge(mosquitto, tmp_path)
        device = DeviceEmulator(address(mosquitto, "buttons", "buttons-secret"), "buttons", dark_scene(2.0))
        tasks = [asyncio.create_task(bridge.run(stop))]
        await bridge.wait_connected()
        tasks.append(asyncio.create_task(device.run(stop)))
        try:
            await wait_for(lambda: device.stats.shown and device.stats.configs, 20, "a prompt shown and the first config")
            first = device.stats.shown[0].record
            await device.press("press")
            await wait_for(lambda: any(s.record.get("evidence", {}).get("repeat_of") == first["id"] for s in device.stats.shown),
                           10, "the repeated prompt")
            modes = []
            for action in ("double_press", "double_press", "long_press", "long_press"):
                before = len(device.stats.configs)
                await device.press(action)
                await wait_for(lambda: len(device.stats.configs) > before, 10, f"the config after {action}")
                modes.append(device.stats.configs[-1]["mode"])
            agent_mode = bridge.sessions["buttons"].agent.mode
        finally:
            stop.set()
            await asyncio.gather(*tasks)
        return first, device.stats.shown, modes, agent_mode, bridge.events.of("button", "buttons")

    first, shown, modes, agent_mode, buttons = run_session(session())
    repeat = next(s.record for s in shown if s.record.get("evidence", {}).get("repeat_of") == first["id"])
    assert (repeat["text"], repeat["kind"]) == (first["text"], first["kind"]) and repeat["id"] != first["id"]
    assert modes == ["navigate", "read", "quiet", "read"] and agent_mode == "read"
    assert [b["action"] for b in buttons] == ["press", "double_press", "double_press", "long_press", "long_press"]
    assert buttons[0]["outcome"] == "repeat the last prompt" and buttons[3]["outcome"] == "mode quiet"
