"""Hostile clients against a real Mosquitto configured by `broker init`'s code: 0 attacks succeed.

Each attack is made by a client holding *valid* credentials of its own (the hard case), except
the login attacks. Success of an attack is what a user would notice: the victim's connection
closed, another device's traffic read, a message forged into another device's tree.
"""

from __future__ import annotations

import asyncio
import dataclasses

import aiomqtt
import pytest

from firmware_bridge import broker as setup
from tests.support.mosquitto import AGENT_PASSWORD, AGENT_USER, address, run_session


def _client(broker, user, password, identifier, **kw):
    return address(broker, user, password).client(identifier, timeout=3.0, **kw)


async def _expect(client, payload: bytes, timeout_s: float = 5.0) -> list[tuple[str, bytes]]:
    """Messages on `client` up to and including `payload`; raises MqttError if its connection died."""
    seen = []
    async with asyncio.timeout(timeout_s):
        async for m in client.messages:
            seen.append((str(m.topic), bytes(m.payload)))
            if m.payload == payload:
                return seen
    raise AssertionError("message stream ended")


def test_the_generated_config_binds_client_ids_to_logins(tmp_path):
    layout = setup.BrokerLayout.at(tmp_path)
    setup.write_config(layout, port=18883, tls=False)
    lines = layout.conf.read_text().splitlines()
    # A listener option: it must follow the one `listener` line (above it, Mosquitto 2 opens a
    # default listener on port 1883 besides ours).
    assert [line.split()[0] for line in lines if line.startswith("listener")] == ["listener"]
    assert lines.index("use_username_as_clientid true") > lines.index("listener 18883 127.0.0.1")


def test_a_device_cannot_take_over_another_device_or_the_bridge_by_client_id(mosquitto):
    mosquitto.add_device("alice")
    mosquitto.add_device("mallory")
    takeovers = 0

    async def session():
        nonlocal takeovers
        async with (_client(mosquitto, "alice", "alice-secret", "alice") as alice,
                    _client(mosquitto, AGENT_USER, AGENT_PASSWORD, "glasses-agent-bridge") as bridge):
            await alice.subscribe("glasses/alice/prompt", qos=1)
            await bridge.subscribe("glasses/alice/status", qos=1)
            # Mallory, with her own valid password, claims alice's id, the bridge's id and the
            # agent user's id, several times over (in a loop this used to starve every device).
            for round_ in range(3):
                for stolen in ("alice", "glasses-agent-bridge", "agent"):
                    async with _client(mosquitto, "mallory", "mallory-secret", stolen) as mallory:
                        await mallory.subscribe("glasses/alice/#", qos=1)
                        await mallory.publish("glasses/mallory/status", b"x", qos=1)
                    # Both victims still hold their connections: a round trip on each proves it.
                    marker = f"prompt-{round_}-{stolen}".encode()
                    try:
                        await bridge.publish("glasses/alice/prompt", marker, qos=1)
                        await _expect(alice, marker)
                        await alice.publish("glasses/alice/status", marker, qos=1)
                        await _expect(bridge, marker)
                    except aiomqtt.MqttError:
                        takeovers += 1
                        raise
        return takeovers

    assert run_session(session(), timeout_s=60) == 0


def test_a_stolen_client_id_does_not_inherit_the_victims_queued_session(mosquitto):
    mosquitto.add_device("alice")
    mosquitto.add_device("mallory")

    async def session():
        # Alice keeps a persistent session with a QoS 1 subscription, then goes offline.
        async with _client(mosquitto, "alice", "alice-secret", "alice", clean_start=False,
                           properties=_session_expiry(300)) as alice:
            await alice.subscribe("glasses/alice/prompt", qos=1)
        async with _client(mosquitto, AGENT_USER, AGENT_PASSWORD, "bridge") as bridge:
            await bridge.publish("glasses/alice/prompt", b"for-alice", qos=1)
        # Mallory resumes "alice"'s session: she must get nothing queued for alice.
        got = []
        async with _client(mosquitto, "mallory", "mallory-secret", "alice", clean_start=False,
                           properties=_session_expiry(300)) as mallory:
            try:
                async with asyncio.timeout(1.0):
                    async for m in mallory.messages:
                        got.append(bytes(m.payload))
            except TimeoutError:
                pass
        # Alice comes back and gets her prompt.
        async with _client(mosquitto, "alice", "alice-secret", "alice", clean_start=False,
                           properties=_session_expiry(300)) as alice:
            mine = await _expect(alice, b"for-alice")
        return got, mine

    got, mine = run_session(session(), timeout_s=60)
    assert got == []
    assert mine[-1] == ("glasses/alice/prompt", b"for-alice")


def _session_expiry(seconds: int):
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = seconds
    return props


@pytest.mark.parametrize(
    "user,password",
    [("alice", "wrong"), ("alice", ""), ("stranger", "anything"), (AGENT_USER, "alice-secret"), (None, None),
     ("alice", None)],
)
def test_wrong_or_missing_credentials_are_refused(mosquitto, user, password):
    mosquitto.add_device("alice")

    async def attempt():
        async with _client(mosquitto, user, password, "probe"):
            return True

    with pytest.raises(aiomqtt.MqttError):
        run_session(attempt(), timeout_s=20)


def test_plain_tcp_to_the_tls_listener_gets_nothing(mosquitto):
    mosquitto.add_device("alice")
    plain = dataclasses.replace(address(mosquitto, "alice", "alice-secret"), tls=False)

    async def attempt():
        async with plain.client("alice", timeout=2.0):
            return True

    with pytest.raises(aiomqtt.MqttError):
        run_session(attempt(), timeout_s=20)


CROSS_SUBSCRIPTIONS = ("glasses/bob/camera", "glasses/bob/#", "glasses/+/camera", "glasses/+/prompt", "#",
                       "glasses/#", "+/bob/#", "glasses/bob/time/reply", "glasses/bob/error", "$SYS/#")
CROSS_PUBLISHES = tuple(f"glasses/bob/{name}" for name in
                        ("camera", "audio", "imu", "telemetry", "button", "feedback", "status", "ack",
                         "time/request", "prompt", "config", "error", "time/reply")) + (
    "glasses/alice/prompt", "glasses/alice/config", "glasses/alice/error", "glasses/alice/time/reply")


def test_cross_device_subscriptions_and_publishes_all_fail(mosquitto):
    mosquitto.add_device("alice")
    mosquitto.add_device("bob")

    async def session():
        async with (_client(mosquitto, "alice", "alice-secret", "alice") as alice,
                    _client(mosquitto, "bob", "bob-secret", "bob") as bob,
                    _client(mosquitto, AGENT_USER, AGENT_PASSWORD, "bridge") as agent):
            for sub in CROSS_SUBSCRIPTIONS:
                await alice.subscribe(sub, qos=1)
            await bob.subscribe("glasses/bob/#", qos=1)
            await agent.subscribe("glasses/#", qos=1)
            for name in ("camera", "prompt", "config", "error", "time/reply"):
                src = bob if name == "camera" else agent
                await src.publish(f"glasses/bob/{name}", f"bob-{name}".encode(), qos=1)
            for forged in CROSS_PUBLISHES:
                await alice.publish(forged, b"forged", qos=1)
            # Markers after everything: once they arrive, anything forged or leaked would have too.
            await alice.publish("glasses/alice/status", b"end-a", qos=1)
            at_agent = await _expect(agent, b"end-a")
            await agent.publish("glasses/bob/prompt", b"end-b", qos=1)
            at_bob = await _expect(bob, b"end-b")
            await agent.publish("glasses/alice/prompt", b"end-alice", qos=1)
            await alice.subscribe("glasses/alice/prompt", qos=1)
            await agent.publish("glasses/alice/prompt", b"end-alice-2", qos=1)
            at_alice = await _expect(alice, b"end-alice-2")
        return at_agent, at_bob, at_alice

    at_agent, at_bob, at_alice = run_session(session(), timeout_s=60)
    leaked = [t for t, _ in at_alice if not t.startswith("glasses/alice/")]
    forged = [t for t, p in at_agent + at_bob if p == b"forged"]
    assert (len(CROSS_SUBSCRIPTIONS), len(CROSS_PUBLISHES)) == (10, 17)
    assert leaked == [] and forged == []
    assert ("glasses/bob/camera", b"bob-camera") in at_agent  # the channel itself works


def test_an_mqtt_3_1_1_client_is_fenced_the_same_way(mosquitto):
    """The broker cannot refuse MQTT 3.1.1; such a client gets the same fence (docs/protocol.md)."""
    from paho.mqtt.enums import MQTTProtocolVersion

    mosquitto.add_device("alice")
    mosquitto.add_device("bob")

    async def session():
        a = address(mosquitto, "alice", "alice-secret")
        old = aiomqtt.Client(a.host, a.port, username=a.username, password=a.password, identifier="bob",
                             protocol=MQTTProtocolVersion.MQTTv311, tls_context=a.tls_context(), timeout=3.0)
        async with (_client(mosquitto, "bob", "bob-secret", "bob") as bob,
                    _client(mosquitto, AGENT_USER, AGENT_PASSWORD, "bridge") as agent, old as alice_v3):
            await agent.subscribe("glasses/#", qos=1)
            await bob.subscribe("glasses/bob/#", qos=1)
            await alice_v3.subscribe("glasses/bob/#", qos=1)
            await alice_v3.publish("glasses/bob/prompt", b"forged", qos=1)
            await alice_v3.publish("glasses/alice/status", b"v3-marker", qos=1)  # its own tree works
            at_agent = await _expect(agent, b"v3-marker")
            await agent.publish("glasses/bob/prompt", b"end-b", qos=1)
            at_bob = await _expect(bob, b"end-b")  # bob kept his connection (id "bob" was claimed)
        return at_agent, at_bob

    at_agent, at_bob = run_session(session(), timeout_s=60)
    assert not [p for _, p in at_agent + at_bob if p == b"forged"]
    assert ("glasses/alice/status", b"v3-marker") in at_agent


def test_ids_that_would_escape_a_topic_or_a_path_are_refused_everywhere(tmp_path):
    from glasses_agent.identifiers import InvalidIdError, check_id
    from firmware_bridge import protocol as P

    layout = setup.BrokerLayout.at(tmp_path)
    layout.root.mkdir(parents=True, exist_ok=True)
    for bad in ("../../etc", "a/b", "glasses/#", "+", "dev1\n", "", "-lead", "x" * 65, "dév", "a b", "agent"):
        with pytest.raises(setup.BrokerSetupError, match="bad device id"):
            setup.validate_device_id(bad)
        if bad != "agent":
            with pytest.raises(setup.BrokerSetupError, match="bad device id"):
                setup.provision(layout, bad, "pw")
            with pytest.raises(InvalidIdError):
                check_id(bad, "wearer")
            if "/" not in bad:
                assert P.parse_topic(f"glasses/{bad}/camera")[0] is None
    assert check_id("glasses-7_b", "wearer") == "glasses-7_b"


def test_a_takeover_loop_against_a_running_bridge_and_device_disconnects_neither(mosquitto, tmp_path):
    from firmware_bridge.bridge import Bridge
    from firmware_bridge.emulator import DeviceEmulator
    from tests.support.mosquitto import agent_factory, dark_scene, wait_for

    mosquitto.add_device("alice")
    mosquitto.add_device("mallory")

    async def session():
        stop = asyncio.Event()
        bridge = Bridge(address(mosquitto, AGENT_USER, AGENT_PASSWORD), agent_factory=agent_factory(tmp_path),
                        outbox_path=tmp_path / "outbox.sqlite3")
        alice = DeviceEmulator(address(mosquitto, "alice", "alice-secret"), "alice", dark_scene(3.0))
        tasks = [asyncio.create_task(bridge.run(stop))]
        await bridge.wait_connected()
        tasks.append(asyncio.create_task(alice.run(stop)))
        try:
            await wait_for(alice.online.is_set, 10, "alice online")
            for _ in range(5):  # the attack that used to keep every device from being served
                for stolen in ("glasses-agent-bridge", "agent", "alice"):
                    async with _client(mosquitto, "mallory", "mallory-secret", stolen):
                        pass
            await wait_for(lambda: alice.stats.shown, 20, "alice's prompt")
        finally:
            stop.set()
            await asyncio.gather(*tasks)
        return bridge.connections, alice.stats.connections, len(alice.stats.shown)

    bridge_connections, alice_connections, shown = run_session(session())
    assert (bridge_connections, alice_connections) == (1, 1) and shown >= 1
