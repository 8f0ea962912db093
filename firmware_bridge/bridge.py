"""The bridge: devices' MQTT streams in, one agent pipeline per device, prompts out until acked.

    bridge = Bridge(address, agent_factory=lambda device_id: Agent(...), outbox_path=...)
    await bridge.run(stop_event)

The connection is an aiomqtt client built inside the coroutine; when the broker goes away the
loop backs off, re-enters `async with`, re-subscribes and re-sends every unacked prompt. Every
refused message is counted per device and reported on that device's error topic; nothing a
device sends stops the bridge or touches another device.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from firmware_bridge import codec
from firmware_bridge import protocol as P
from firmware_bridge.connection import (
    BrokerAddress,
    BridgeError,
    describe_mqtt_error,
    first_connection_failed,
    is_refused_login,
)
from firmware_bridge.events import EventLog
from firmware_bridge.outbox import FEEDBACK_GRACE_NS, Outbox
from firmware_bridge.session import DeviceSession
from streams.clock import RealClock

log = logging.getLogger(__name__)

DEFAULT_CONFIG = {"camera_fps": 10, "width": 320, "height": 240, "jpeg_quality": 80, "audio_chunk_ms": 100, "imu_hz": 50}
RESEND_AFTER_NS = 2_000_000_000  # an unacked prompt is sent again after this long
BACKOFF_S = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


def user_properties(message: Any) -> dict[str, str]:
    props = getattr(message, "properties", None)
    pairs = getattr(props, "UserProperty", None) or []
    return {str(k): str(v) for k, v in pairs}


class Bridge:
    """The agent side of the MQTT protocol: one connection to the broker, a DeviceSession (and agent)
    per device that comes online, prompts out through the outbox, acks, feedback and buttons in."""
    def __init__(self, address: BrokerAddress, *, agent_factory: Callable[[str], Any], outbox_path: str | Path,
                 identifier: str = "glasses-agent-bridge", tick_hz: float = 10.0,
                 device_config: dict[str, Any] | None = None, events: EventLog | None = None,
                 wait_for_broker: bool = True) -> None:
        """`wait_for_broker` False: if the very first connection fails, `run` raises BridgeError
        with the reason instead of retrying (a CLI run with a mistyped URL); later outages are
        always retried."""
        self.address = address
        self.wait_for_broker = wait_for_broker
        self.agent_factory = agent_factory
        self.outbox = Outbox(outbox_path)
        self.identifier = identifier
        self.tick_hz = tick_hz
        self.device_config = {**DEFAULT_CONFIG, **(device_config or {})}
        self.clock = RealClock()  # the agent's timeline: every t_ns on the wire is on this clock
        self.sessions: dict[str, DeviceSession] = {}
        self.rejected: Counter = Counter()  # code -> count, all devices
        self.connections = 0
        self.internal_errors = 0
        self.prompts_sent = 0
        self.acks: Counter = Counter()
        self.on_prompt: Callable[[str, dict[str, Any]], None] | None = None  # (device_id, record), for the CLI
        self.events = events if events is not None else EventLog()  # one structured line per device event
        self._last_prompt: dict[str, dict[str, Any]] = {}  # device -> the last prompt record delivered (for `press`)
        self._repeat_of: dict[tuple[str, str], str] = {}  # (device, repeat's id) -> the original prompt's id
        self._repeats = 0
        self._client: Any = None
        self._connected = asyncio.Event()
        self._last_sent: dict[tuple[str, str], int] = {}

    def now_ns(self) -> int:
        return self.clock.now_ns()

    # -- the connection loop ---------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        import aiomqtt

        attempt = 0
        try:
            while not stop.is_set():
                try:
                    async with self.address.client(self.identifier) as client:
                        self._client = client
                        attempt = 0
                        await self._on_connected(client)
                        await self._serve(client, stop)
                except aiomqtt.MqttError as err:
                    if is_refused_login(err):
                        raise BridgeError(f"{self.address.host}:{self.address.port}: {describe_mqtt_error(err)}") from None
                    if not self.connections and not self.wait_for_broker:
                        raise first_connection_failed(self.address, err) from None
                    self._client = None
                    self._connected.clear()
                    delay = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
                    attempt += 1
                    # Say it once per outage, not once per retry: a service may wait long for its broker.
                    (log.warning if attempt == 1 else log.info)(
                        "broker connection lost (%s); retrying with back-off up to %.0f s", describe_mqtt_error(err), BACKOFF_S[-1])
                    try:
                        await asyncio.wait_for(stop.wait(), timeout=delay)
                    except asyncio.TimeoutError:
                        pass
        finally:
            self._client = None
            for session in list(self.sessions.values()):
                await session.stop()
            self.outbox.close()

    async def wait_connected(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def _on_connected(self, client: Any) -> None:
        from paho.mqtt.subscribeoptions import SubscribeOptions

        # noLocal: the bridge's own prompts, configs and errors do not come back to it.
        await client.subscribe(f"{P.TOPIC_ROOT}/#", options=SubscribeOptions(qos=1, noLocal=True))
        self.connections += 1
        self._connected.set()
        for device_id in self.outbox.devices():  # re-send what the broker may have lost
            await self._send_pending(device_id, force=True)

    async def _serve(self, client: Any, stop: asyncio.Event) -> None:
        async def resender() -> None:
            while True:
                await asyncio.sleep(0.5)
                for device_id in list(self.sessions):
                    if self.sessions[device_id].state != "offline":
                        await self._send_pending(device_id)

        async def watch_stop() -> None:
            await stop.wait()

        messages = asyncio.ensure_future(self._consume(client))
        tasks = [messages, asyncio.ensure_future(resender()), asyncio.ensure_future(watch_stop())]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            for task in tasks:
                task.cancel()
            # Bounded: on Python 3.11 a cancel that meets a finishing publish (asyncio.wait_for
            # inside aiomqtt) can be swallowed; such a consumer ends when `async with` disconnects.
            await asyncio.wait(tasks, timeout=1.0)

    async def _consume(self, client: Any) -> None:
        async for message in client.messages:
            try:
                await self.handle(str(message.topic), bytes(message.payload or b""), user_properties(message))
            except Exception:  # a bug met by one message must not stop every device's bridge
                self.internal_errors += 1
                log.exception("bridge failed on a message on %s", str(message.topic)[:120])

    # -- device -> agent ---------------------------------------------------------------------

    async def handle(self, topic: str, payload: bytes, props: dict[str, str]) -> codec.Message | None:
        """One message from the broker: decode, route, or reject (counted and reported)."""
        received_ns = self.now_ns()
        device_id, name = P.parse_topic(topic)
        if device_id is not None and name in P.DOWN_TOPICS:
            return None  # another bridge's output (noLocal hides our own)
        try:
            msg = codec.decode_up(topic, payload, props, received_ns)
        except codec.Rejected as err:
            await self._reject(device_id, topic, err)
            return None
        session = self._session(msg.device_id)
        session.messages[msg.name] += 1
        try:
            if msg.frame is not None:
                session.source.push(msg.frame)
                if msg.name == "button":
                    await self._button(session, msg.frame.data["action"], msg.frame.data.get("button"))
            else:
                await self._control(session, msg, received_ns)
        except codec.Rejected as err:
            seq = msg.frame.seq if msg.frame is not None else codec.seq_of(P.TOPICS[msg.name].schema, msg.record)
            await self._reject(device_id, topic, err.with_seq(seq))
            return None
        return msg

    async def _control(self, session: DeviceSession, msg: codec.Message, received_ns: int) -> None:
        record = msg.record or {}
        device_id = session.device_id
        if msg.name == "time/request":
            reply = {"id": record["id"], "t1": record["t1"], "t2": received_ns, "t3": self.now_ns()}
            await self._publish(device_id, "time/reply", codec.encode_json("time/reply", reply))
        elif msg.name == "status":
            was = session.state
            session.state = record["state"]
            session.status = record
            self.events.emit(session.state, device_id, firmware=record.get("firmware"), was=was)
            if session.state == "online" and was != "online":
                await self._send_config(device_id)
                await self._send_pending(device_id, force=True)
        elif msg.name == "ack":
            await self._ack(session, record["id"], record["state"], received_ns)
        elif msg.name == "feedback":
            if self.outbox.expiry_of(device_id, record["prompt_id"], received_ns) == "expired_long_ago":
                raise self._too_late(record["prompt_id"])
            self._feedback(session, record["prompt_id"], record["label"], late=False)

    async def _ack(self, session: DeviceSession, prompt_id: str, state: str, received_ns: int) -> None:
        """An ack: delivered, or late (expired_prompt; its feedback still learned within the grace), or unknown."""
        device_id = session.device_id
        known = self.outbox.ack(device_id, prompt_id, state, received_ns)
        self._last_sent.pop((device_id, prompt_id), None)
        if known == "unknown":
            raise codec.Rejected("unknown_prompt", f"ack for prompt {prompt_id[:64]!r}, which was never sent to {device_id}")
        if known == "expired_long_ago":
            raise self._too_late(prompt_id)
        self.acks[state] += 1
        self.events.emit("prompt_acked", device_id, prompt=prompt_id, state=state, late=known == "expired")
        if state in P.FEEDBACK_LABELS:
            self._feedback(session, prompt_id, state, late=known == "expired")
        if known == "expired" and state not in P.FEEDBACK_LABELS:
            raise codec.Rejected("expired_prompt", f"prompt {prompt_id[:64]!r} had expired before this ack; it was "
                                 "not shown to the wearer by the bridge's account (do not display prompts past ttl_ms)")

    @staticmethod
    def _too_late(prompt_id: str) -> codec.Rejected:
        return codec.Rejected("expired_prompt", f"prompt {prompt_id[:64]!r} expired more than "
                              f"{FEEDBACK_GRACE_NS // 1_000_000_000} s ago: too late to learn from")

    def _feedback(self, session: DeviceSession, prompt_id: str, label: str, late: bool) -> None:
        from glasses_agent.errors import GlassesAgentError

        original = self._repeat_of.get((session.device_id, prompt_id), prompt_id)  # a repeat teaches as its original
        try:
            session.agent.feedback(original, label)
        except GlassesAgentError as err:
            raise codec.Rejected("unknown_prompt", str(err)[:200]) from None
        self.events.emit("feedback", session.device_id, prompt=original, label=label, late=late)

    async def _button(self, session: DeviceSession, action: str, button: str | None) -> None:
        """A button's meaning (glasses_agent.configurator.buttons): repeat the last prompt, or a new mode sent back as config."""
        outcome = session.agent.button(action)
        self.events.emit("button", session.device_id, button=button, action=action, outcome=outcome.describe())
        if outcome.repeat:
            await self._repeat_last(session.device_id)
        elif outcome.changed:
            self.events.emit("mode", session.device_id, mode=outcome.mode, why=action)
            await self._send_config(session.device_id)

    async def _repeat_last(self, device_id: str) -> None:
        last = self._last_prompt.get(device_id)
        if last is None:
            return  # nothing shown yet: the press has nothing to repeat
        now = self.now_ns()
        self._repeats += 1
        original = self._repeat_of.get((device_id, last["id"]), last["id"])
        suffix = f"~r{self._repeats}"
        record = {**last, "id": original[: 64 - len(suffix)] + suffix, "t_ns": now,
                  "evidence": {**last.get("evidence", {}), "repeat_of": original}}
        self._repeat_of[(device_id, record["id"])] = original
        self.outbox.put(device_id, record, now + record["ttl_ms"] * 1_000_000, now)
        self.events.emit("prompt_repeated", device_id, prompt=record["id"], repeat_of=original)
        await self._send_pending(device_id)

    async def _reject(self, device_id: str | None, topic: str, err: codec.Rejected) -> None:
        self.rejected[err.code] += 1
        self.events.emit("rejected", device_id, code=err.code, topic=topic[:120], seq=err.seq, detail=err.detail[:160])
        if device_id is None:
            return  # no device to tell: counted only
        session = self._session(device_id, start=False)
        session.rejected[err.code] += 1
        body = codec.error_reply(err, topic, self.now_ns(), sum(session.rejected.values()))
        try:
            payload = codec.encode_json("error", body)
        except codec.Rejected as bad:  # a bug in this bridge, never the device's fault: say so, send without seq
            self.internal_errors += 1
            log.error("error reply for %s failed its own schema (%s); sent without seq", topic[:120], bad)
            payload = codec.encode_json("error", {**body, "seq": None})
        await self._publish(device_id, "error", payload)

    def _session(self, device_id: str, start: bool = True) -> DeviceSession:
        session = self.sessions.get(device_id)
        if session is None:
            agent = self.agent_factory(device_id)
            session = DeviceSession(device_id, agent, self.clock, self.deliver, tick_hz=self.tick_hz)
            self.sessions[device_id] = session
        if start and session.task is None:
            session.start()
        return session

    # -- agent -> device ---------------------------------------------------------------------

    async def deliver(self, device_id: str, prompts: list[Any]) -> None:
        """Prompts from a device's pipeline: into the outbox first, then onto the wire."""
        now = self.now_ns()
        for prompt in prompts:
            record = prompt.to_record()
            self.outbox.put(device_id, record, prompt.expires_ns(), now)
            self._last_prompt[device_id] = record
            if self.on_prompt is not None:
                self.on_prompt(device_id, record)
        await self._send_pending(device_id)

    async def _send_pending(self, device_id: str, force: bool = False) -> None:
        if self._client is None:
            return  # sent on reconnect
        now = self.now_ns()
        for prompt_id in self.outbox.expire(device_id, now):
            self._last_sent.pop((device_id, prompt_id), None)
            self.events.emit("prompt_expired", device_id, prompt=prompt_id)
        for record in self.outbox.pending(device_id, now):
            key = (device_id, record["id"])
            last = self._last_sent.get(key)
            if not force and last is not None and now - last < RESEND_AFTER_NS:
                continue
            expires_ns = record["t_ns"] + record["ttl_ms"] * 1_000_000
            if await self._publish(device_id, "prompt", codec.encode_json("prompt", record),
                                   expiry_s=max(1, (expires_ns - now + 999_999_999) // 1_000_000_000)):
                self._last_sent[key] = now
                self.outbox.mark_sent(device_id, record["id"])
                self.prompts_sent += 1
                self.events.emit("prompt_resent" if last is not None else "prompt_sent", device_id, prompt=record["id"],
                                 kind=record.get("kind"), text=record.get("text"))

    async def _send_config(self, device_id: str) -> None:
        session = self.sessions[device_id]
        body = {**self.device_config, "tick_hz": self.tick_hz, "mode": session.agent.mode}
        await self._publish(device_id, "config", codec.encode_json("config", body))

    async def _publish(self, device_id: str, name: str, payload: bytes, expiry_s: int | None = None) -> bool:
        import aiomqtt
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        client = self._client
        if client is None:
            return False
        spec = P.TOPICS[name]
        props = Properties(PacketTypes.PUBLISH)
        expiry = expiry_s if expiry_s is not None else spec.expiry_s
        if expiry is not None:
            props.MessageExpiryInterval = int(expiry)
        props.ContentType = "application/json"
        try:
            await client.publish(P.topic(device_id, name), payload, qos=spec.qos, retain=spec.retained, properties=props)
        except aiomqtt.MqttError as err:
            log.warning("publish to %s/%s failed: %s", device_id, name, err)
            return False
        return True

    def summary(self) -> dict[str, Any]:
        return {
            "connections": self.connections,
            "internal_errors": self.internal_errors,
            "prompts_sent": self.prompts_sent,
            "prompts_pending": self.outbox.count(),
            "prompts_expired": self.outbox.expired,
            "acks": dict(self.acks),
            "events": dict(sorted(self.events.counts.items())),
            "rejected": dict(sorted(self.rejected.items())),
            "devices": {d: s.summary() for d, s in sorted(self.sessions.items())},
        }
