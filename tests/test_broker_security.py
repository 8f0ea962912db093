"""The broker set-up refuses what it must: plain connections, wrong passwords, cross-device access."""

from __future__ import annotations

import asyncio
import ssl

import aiomqtt
import pytest

from firmware_bridge import broker as setup
from tests.support.mosquitto import AGENT_PASSWORD, AGENT_USER


def tls_context(broker) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(broker.layout.ca_cert))


async def connect(broker, user, password, *, tls=True):
    return aiomqtt.Client(
        "127.0.0.1",
        broker.port,
        username=user,
        password=password,
        protocol=aiomqtt.ProtocolVersion.V5,
        tls_context=tls_context(broker) if tls else None,
        timeout=3,
    )


def test_plain_connection_and_wrong_password_are_refused(mosquitto):
    mosquitto.add_device("glassesA")

    async def attempt(**kw):
        async with await connect(mosquitto, **kw):
            return True

    with pytest.raises(aiomqtt.MqttError):
        asyncio.run(attempt(user="glassesA", password="glassesA-secret", tls=False))
    with pytest.raises(aiomqtt.MqttError):
        asyncio.run(attempt(user="glassesA", password="wrong"))
    assert asyncio.run(attempt(user="glassesA", password="glassesA-secret"))


def test_a_device_cannot_read_or_write_another_devices_tree(mosquitto):
    mosquitto.add_device("glassesA")
    mosquitto.add_device("glassesB")

    async def scenario():
        got_a: list[str] = []
        async with await connect(mosquitto, "glassesA", "glassesA-secret") as a, await connect(
            mosquitto, "glassesB", "glassesB-secret"
        ) as b, await connect(mosquitto, AGENT_USER, AGENT_PASSWORD) as agent:
            await a.subscribe("glasses/glassesB/#")  # B's camera must never reach A
            await agent.subscribe("glasses/+/prompt")
            await agent.subscribe("glasses/+/feedback")
            await agent.subscribe("glasses/+/config")
            await agent.subscribe("glasses/+/camera")
            # A tries to act as B; B publishes its own camera; then a marker A may publish.
            for topic in ("glasses/glassesB/prompt", "glasses/glassesB/feedback", "glasses/glassesB/config"):
                await a.publish(topic, b"forged", qos=1)
            await b.publish("glasses/glassesB/camera", b"B-frame", qos=1)
            await a.publish("glasses/glassesA/camera", b"A-marker", qos=1)

            seen_by_agent = []
            async with asyncio.timeout(5):
                async for msg in agent.messages:
                    seen_by_agent.append((str(msg.topic), bytes(msg.payload)))
                    if msg.payload == b"A-marker":
                        break
            # Everything A sent before its marker has been routed by now; give A's own
            # subscription the same chance by publishing a marker A is allowed to read.
            await agent.publish("glasses/glassesA/prompt", b"A-prompt", qos=1)
            await a.subscribe("glasses/glassesA/prompt")
            await agent.publish("glasses/glassesA/prompt", b"A-prompt-2", qos=1)
            async with asyncio.timeout(5):
                async for msg in a.messages:
                    got_a.append(str(msg.topic))
                    if msg.payload == b"A-prompt-2":
                        break
            return seen_by_agent, got_a

    seen_by_agent, got_a = asyncio.run(scenario())
    assert ("glasses/glassesB/camera", b"B-frame") in seen_by_agent
    assert not [t for t, p in seen_by_agent if p == b"forged"], "A could not publish as B"
    assert not [t for t in got_a if "glassesB" in t], "A never received B's traffic"


def test_bad_device_ids_are_refused(tmp_path):
    layout = setup.BrokerLayout.at(tmp_path)
    with pytest.raises(setup.BrokerSetupError, match="bad device id"):
        setup.provision(layout, "glasses/#", "pw")
