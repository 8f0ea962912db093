"""The simulator on live sources: a stand-in HTTP camera, and a device served over real MQTT."""

from __future__ import annotations

import argparse
import asyncio

import pytest

from tests.support.mosquitto import AGENT_PASSWORD, AGENT_USER, address, agent_factory, dark_scene, wait_for
from tools.sim.app import SimApp
from tools.sim.widgets.session_bar import SessionBar

SIZE = (160, 50)


def bar_text(app: SimApp) -> str:
    return str(app.query_one(SessionBar).render())


@pytest.mark.live
def test_live_camera_shows_fresh_frames_and_cannot_seek(tmp_path):
    from tests.support.mjpeg_server import MjpegServer
    from tools.sim.live import camera_driver

    agent = agent_factory(tmp_path)("cam")
    with MjpegServer(fps=10) as server:
        args = argparse.Namespace(camera=server.url, mic=None)
        driver = camera_driver(args, agent)

        async def session() -> None:
            app = SimApp(driver, playing=False)
            async with app.run_test(size=SIZE) as pilot:
                frame = await app.controller.step()
                assert frame is not None and frame.image.shape == (120, 160, 3)
                second = await app.controller.step()
                assert second.t_ns > frame.t_ns
                assert "live http://" in bar_text(app)
                await pilot.press("right")
                assert "cannot seek" in bar_text(app)
                await pilot.press("space")  # playing: frames shown as they come, within a second
                await wait_for(lambda: app.controller.frame.index > second.index + 3, 20, "live ticks while playing")
                assert app.controller.frame.health.frame_age_s < 1.0

        asyncio.run(session())


def test_watching_a_device_over_mqtt_and_its_feedback_reaching_its_critic(mosquitto, tmp_path):
    from firmware_bridge.emulator import DeviceEmulator
    from glasses_agent.memory import MemoryStore
    from tools.sim.live import mqtt_driver

    password = mosquitto.add_device("dev1")
    args = argparse.Namespace(
        mqtt=mosquitto.url(AGENT_USER, AGENT_PASSWORD), ca=str(mosquitto.layout.ca_cert) if mosquitto.tls else None,
        allow_plaintext=False, device="dev1", memory=str(tmp_path / "unused.sqlite3"),
    )
    driver = mqtt_driver(args, agent_factory(tmp_path))

    async def session() -> str:
        app = SimApp(driver, playing=True)
        async with app.run_test(size=SIZE) as pilot:
            stop = asyncio.Event()
            device = DeviceEmulator(address(mosquitto, "dev1", password), "dev1", dark_scene(4.0))
            task = asyncio.create_task(device.run(stop))
            try:
                # A dark room: the watched device's agent says so, and the HUD shows it.
                await wait_for(lambda: app.controller.frame is not None and app.controller.frame.last_prompt is not None,
                               40, "a prompt for the watched device")
                frame = app.controller.frame
                assert frame.last_prompt.kind == "low_light"
                assert frame.image is not None and frame.image.shape == (96, 128, 3)
                assert frame.health.frame_age_s < 1.0
                assert "device dev1" in bar_text(app)
                await pilot.press("h")
                await wait_for(lambda: "helpful" in bar_text(app), 10, "the feedback to be taken")
                await wait_for(lambda: bool(device.stats.shown), 20, "the prompt on the device")
            finally:
                stop.set()
                await task
            return frame.last_prompt.id

    prompt_id = asyncio.run(session())
    with MemoryStore(str(tmp_path / "dev1.sqlite3"), "dev1") as store:
        assert [(f.prompt_id, f.verdict) for f in store.feedback()] == [(prompt_id, "helpful")]
