"""Security against a real Mosquitto: TLS only, passwords checked, every device fenced into its own tree."""

from __future__ import annotations

import asyncio
import dataclasses

import aiomqtt
import pytest

from firmware_bridge.bridge import Bridge
from firmware_bridge.connection import BridgeError
from tests.support.mosquitto import AGENT_PASSWORD, AGENT_USER, address, agent_factory, run_session, wait_for


async def _connect_once(addr) -> None:
    # A plain client talking to a TLS listener gets no answer at all: a short timeout says so.
    async with addr.client("probe", timeout=2.0):
        pass


def test_plain_mqtt_to_the_tls_listener_is_refused(mosquitto):
    mosquitto.add_device("dev1")
    plain = dataclasses.replace(address(mosquitto, "dev1", "dev1-secret"), tls=False)
    with pytest.raises(aiomqtt.MqttError):
        asyncio.run(_connect_once(plain))
    asyncio.run(_connect_once(address(mosquitto, "dev1", "dev1-secret")))  # the same login over TLS works


def test_a_wrong_password_or_unknown_device_is_refused(mosquitto):
    mosquitto.add_device("dev1")
    for user, password in (("dev1", "not-the-secret"), ("stranger", "anything"), (AGENT_USER, "dev1-secret")):
        with pytest.raises(aiomqtt.MqttError) as info:
            asyncio.run(_connect_once(address(mosquitto, user, password)))
        assert "not authorized" in str(info.value).lower() or "bad user name or password" in str(info.value).lower()


def test_a_device_cannot_read_or_impersonate_another(mosquitto, tmp_path):
    mosquitto.add_device("alice")
    mosquitto.add_device("bob")

    async def session():
        seen = {"alice": [], "bob": [], "agent": []}

        async def listen(client, who):
            async for m in client.messages:
                seen[who].append((str(m.topic), bytes(m.payload)))

        async with (address(mosquitto, "alice", "alice-secret").client("alice") as alice,
                    address(mosquitto, "bob", "bob-secret").client("bob") as bob,
                    address(mosquitto, AGENT_USER, AGENT_PASSWORD).client("agent") as agent):
            for topic in ("glasses/bob/camera", "glasses/bob/#", "glasses/+/camera", "#", "glasses/alice/#"):
                await alice.subscribe(topic, qos=1)
            await bob.subscribe("glasses/bob/#", qos=1)
            await agent.subscribe("glasses/#", qos=1)
            listeners = [asyncio.create_task(listen(c, w)) for c, w in ((alice, "alice"), (bob, "bob"), (agent, "agent"))]
            try:
                # Bob's camera goes to the agent, never to Alice.
                for i in range(3):
                    await bob.publish("glasses/bob/camera", f"bob-frame-{i}".encode(), qos=1)
                await wait_for(lambda: sum(t == "glasses/bob/camera" for t, _ in seen["agent"]) == 3, 10, "bob's frames at the agent")
                # Alice tries to speak as Bob (and to prompt herself): prompts, feedback, config, camera.
                for topic in ("glasses/bob/prompt", "glasses/bob/config", "glasses/bob/feedback", "glasses/bob/ack",
                              "glasses/bob/camera", "glasses/bob/status", "glasses/alice/prompt", "glasses/alice/config"):
                    await alice.publish(topic, b'{"v":1,"forged":true}', qos=1)
                # Markers published after all of that: once each has arrived, anything forged would have too.
                await alice.publish("glasses/alice/status", b"alice-marker", qos=1)
                await agent.publish("glasses/alice/config", b"agent-to-alice", qos=1)
                await agent.publish("glasses/bob/prompt", b"agent-to-bob", qos=1)
                await wait_for(lambda: any(p == b"alice-marker" for _, p in seen["agent"]), 10, "alice's marker at the agent")
                await wait_for(lambda: any(p == b"agent-to-alice" for _, p in seen["alice"]), 10, "the agent's marker at alice")
                await wait_for(lambda: any(p == b"agent-to-bob" for _, p in seen["bob"]), 10, "the agent's marker at bob")
            finally:
                for task in listeners:
                    task.cancel()
        return seen

    seen = run_session(session())
    assert not any(t.startswith("glasses/bob/") for t, _ in seen["alice"]), seen["alice"]
    assert not any(b"forged" in p for _, p in seen["bob"] + seen["agent"]), (seen["bob"], seen["agent"])
    assert [p for t, p in seen["bob"] if t == "glasses/bob/prompt"] == [b"agent-to-bob"]
    assert ("glasses/alice/config", b"agent-to-alice") in seen["alice"]


def test_the_bridge_refuses_plain_mqtt_to_a_remote_broker_and_checks_its_ca(tmp_path):
    from firmware_bridge.connection import BridgeError, parse_url

    assert parse_url("broker.example:8883").tls  # no scheme: TLS
    with pytest.raises(BridgeError, match="refusing plain MQTT"):
        parse_url("mqtt://broker.example:1883")
    assert not parse_url("mqtt://broker.example:1883", allow_plaintext=True).tls
    with pytest.raises(BridgeError, match="CA file"):
        parse_url("mqtts://localhost", ca_file=str(tmp_path / "missing.crt"))


def test_a_bridge_with_the_wrong_password_never_serves(mosquitto, tmp_path):
    async def session():
        stop = asyncio.Event()
        bridge = Bridge(address(mosquitto, AGENT_USER, "wrong"), agent_factory=agent_factory(tmp_path),
                        outbox_path=tmp_path / "outbox.sqlite3")
        with pytest.raises(BridgeError, match="refused the login"):
            await asyncio.wait_for(bridge.run(stop), timeout=10)  # retrying a refused login cannot help
        return bridge

    assert run_session(session()).connections == 0
