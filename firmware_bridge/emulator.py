"""The reference device: what glasses firmware does, in Python, against the same broker.

    emulator = DeviceEmulator(address, "dev1", frames)      # frames: a recording, a scene, a camera
    await emulator.run(stop_event)

It connects with a will of `offline`, subscribes to its agent-bound topics, says `online` with
its capabilities, measures its clock offset to the agent (NTP-style), then publishes its streams
at real pace stamped on the agent's timeline. Prompts are shown once per id, never after they
expire, and acked; feedback follows a script (kind -> label) or the caller's choice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


from firmware_bridge import codec
from firmware_bridge import protocol as P
from firmware_bridge.connection import BrokerAddress, BridgeError, describe_mqtt_error, first_connection_failed, is_refused_login
from firmware_bridge.device_clock import TIME_EXCHANGES, ClockSync
from firmware_bridge.faults import FAULTS
from streams.frames import AudioChunk, Event, Frame, ImuSample, TruthEvent, VideoFrame
from streams.recording.codec import encode_jpeg

log = logging.getLogger(__name__)
BACKOFF_S = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
SESSION_EXPIRY_S = 3600  # the broker keeps the device's session (and queued prompts) this long offline



@dataclass
class ShownPrompt:
    """A prompt the emulated device displayed, with when it arrived (on the agent's timeline) for
    latency."""
    record: dict[str, Any]
    received_agent_ns: int  # when it arrived, on the agent's timeline (for latency)

    @property
    def latency_ns(self) -> int:
        return self.received_agent_ns - int(self.record["t_ns"])


@dataclass
class EmulatorStats:
    """What the emulated device sent and received: messages per topic, prompts shown, duplicates,
    expiries, error replies, configs, connections."""
    sent: dict[str, int] = field(default_factory=dict)
    shown: list[ShownPrompt] = field(default_factory=list)
    duplicates: int = 0
    expired: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    configs: list[dict[str, Any]] = field(default_factory=list)
    connections: int = 0
    offset_ns: int | None = None
    rtt_ns: int | None = None


class DeviceEmulator:
    """The reference device: streams camera, audio and IMU frames over MQTT as the protocol says, shows
    and acks prompts, answers time sync, presses buttons; `faults` break chosen rules on purpose for the
    conformance kit."""
    def __init__(self, address: BrokerAddress, device_id: str, frames: Iterable[Frame] | None = None, *,
                 clock_skew_ns: int = 0, capabilities: dict[str, bool] | None = None,
                 feedback: dict[str, str] | None = None, on_prompt: Callable[[dict[str, Any]], None] | None = None,
                 drop_audio_seqs: Iterable[int] = (), jpeg_quality: int = 80, loop: bool = False,
                 faults: Iterable[str] = (), auto_ack: bool = True, wait_for_broker: bool = True) -> None:
        """`wait_for_broker` False: a first connection that fails raises BridgeError (see Bridge)."""
        self.address = address
        self.wait_for_broker = wait_for_broker
        self.device_id = P.DEVICE_ID_PATTERN.fullmatch(device_id) and device_id
        if not self.device_id:
            raise BridgeError(f"bad device id {device_id!r}: 1-64 letters, digits, '_' or '-'")
        self.frames = frames
        self.clock_skew_ns = clock_skew_ns  # the device's own clock is not the agent's
        self.capabilities = capabilities or {"camera": True, "mic": True, "imu": True, "display": True, "haptics": True}
        self.feedback = feedback or {}
        self.on_prompt = on_prompt
        self.drop_audio_seqs = set(drop_audio_seqs)
        self.jpeg_quality = jpeg_quality
        self.loop = loop
        self.faults = frozenset(faults)
        self.auto_ack = auto_ack  # False: show prompts but leave acking to the caller (`ack`)
        unknown = self.faults - FAULTS.keys()
        if unknown:
            raise BridgeError(f"unknown emulator fault(s) {', '.join(sorted(unknown))}; known: {', '.join(FAULTS)}")
        self._resync: asyncio.Task | None = None
        self._offline_until = 0.0
        self.stats = EmulatorStats()
        self.seen_ids: set[str] = set()  # de-duplication survives reconnects
        self.streaming_done = asyncio.Event()
        self.online = asyncio.Event()
        self._client: Any = None
        self._seq: dict[str, int] = {}
        self._clock = ClockSync(lambda rid, t1: self._publish_json("time/request", {"id": rid, "t1": t1}),
                                self.device_now_ns)

    # -- clocks ------------------------------------------------------------------------------

    def device_now_ns(self) -> int:
        return time.monotonic_ns() + self.clock_skew_ns

    def agent_now_ns(self) -> int:
        return self.device_now_ns() + (self.stats.offset_ns or 0)

    def drop_connection(self, offline_s: float = 0.0) -> None:
        """Cut the network under the client (no DISCONNECT): the broker publishes the will, the
        emulator stays away `offline_s` and reconnects, as a device walking out of Wi-Fi range does."""
        import socket

        self._offline_until = time.monotonic() + offline_s
        client = self._client
        sock = client._client.socket() if client is not None else None  # noqa: SLF001 (paho's socket)
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)

    async def press(self, action: str, button: str = "main") -> bool:
        """A button action (press, double_press, long_press) as the glasses' firmware sends it."""
        return await self._publish_json("button", {"seq": self._next_seq("button"), "t_ns": self.agent_now_ns(),
                                                   "button": button, "action": action})

    # -- connection ----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        import aiomqtt

        streaming = asyncio.ensure_future(self._stream(stop)) if self.frames is not None else None
        attempt = 0
        try:
            while not stop.is_set():
                will = aiomqtt.Will(P.topic(self.device_id, "status"), json.dumps({"v": 1, "state": "offline"}), qos=1, retain=True)
                try:
                    async with self._client_for(will) as client:
                        attempt = 0
                        await self._on_connected(client)
                        consumer = asyncio.ensure_future(self._consume(client))
                        stopper = asyncio.ensure_future(stop.wait())
                        syncer = asyncio.ensure_future(self._sync_then_stream())
                        try:
                            pending = {consumer, stopper, syncer}
                            while consumer in pending and stopper in pending:
                                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                                for task in done - {stopper}:
                                    if task.exception() is not None:
                                        raise task.exception()  # type: ignore[misc]
                            if stop.is_set():  # a clean goodbye: the will is for unclean ones
                                await self._publish_json("status", {"state": "offline"})
                        finally:
                            self.online.clear()
                            self._client = None
                            for task in (consumer, stopper, syncer):
                                task.cancel()
                except aiomqtt.MqttError as err:
                    if is_refused_login(err):
                        raise BridgeError(f"{self.address.host}:{self.address.port}: {describe_mqtt_error(err)}") from None
                    if not self.stats.connections and not self.wait_for_broker:
                        raise first_connection_failed(self.address, err) from None
                    self._client = None
                    self.online.clear()
                    delay = max(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)], self._offline_until - time.monotonic())
                    attempt += 1
                    log.info("device %s: connection lost (%s); retrying in %.1f s", self.device_id, err, delay)
                    try:
                        await asyncio.wait_for(stop.wait(), timeout=delay)
                    except asyncio.TimeoutError:
                        pass
        finally:
            if streaming is not None:
                streaming.cancel()
                await asyncio.gather(streaming, return_exceptions=True)

    def _client_for(self, will: Any) -> Any:
        """A persistent session (clean start only the first time): QoS 1 prompts sent while the
        device was away wait at the broker and arrive on reconnect."""
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 0 if "fresh_session" in self.faults else SESSION_EXPIRY_S
        return self.address.client(self.device_id, will=None if "no_will" in self.faults else will,
                                   clean_start=True if "fresh_session" in self.faults or not self.stats.connections else False,
                                   properties=props)

    async def _on_connected(self, client: Any) -> None:
        self._client = client
        self.stats.connections += 1
        # Subscribe first, then say online: the bridge answers "online" with config and prompts.
        for name in P.DOWN_TOPICS:
            await client.subscribe(P.topic(self.device_id, name), qos=1)
        await self._publish_json("status", {"state": "online", "capabilities": self.capabilities,
                                            "firmware": "glasses-agent-emulator/1"})

    async def _sync_then_stream(self) -> None:
        if "no_time_sync" not in self.faults:
            await self.sync_clock()
        self.online.set()  # streams start (or resume) once stamps can be on the agent's clock

    async def sync_clock(self, rounds: int = TIME_EXCHANGES, timeout_s: float = 10.0, retry_s: float = 0.5) -> None:
        """Measure the offset to the agent's clock (device_clock.ClockSync) and keep it in `stats`."""
        self.stats.offset_ns, self.stats.rtt_ns = await self._clock.measure(rounds, timeout_s, retry_s)

    async def _consume(self, client: Any) -> None:
        async for message in client.messages:
            received_device_ns = self.device_now_ns()
            _, name = P.parse_topic(str(message.topic))
            try:
                record = codec.decode_down(name, bytes(message.payload or b""))
            except codec.Rejected as err:
                log.warning("device %s: bad %s from the agent: %s", self.device_id, name, err)
                continue
            if name == "time/reply":
                self._clock.replied(record, received_device_ns)
            elif name == "prompt":
                await self._show(record, received_device_ns + (self.stats.offset_ns or 0))
            elif name == "error":
                self.stats.errors.append(record)
                if record["code"] == "clock_unsynced" and "ignores_errors" not in self.faults and (
                        self._resync is None or self._resync.done()):
                    self._resync = asyncio.ensure_future(self.sync_clock())  # stamps were off: measure again
            elif name == "config":
                self.stats.configs.append(record)

    async def _show(self, record: dict[str, Any], agent_ns: int) -> None:
        if record["id"] in self.seen_ids:
            self.stats.duplicates += 1  # a re-send: ack again (the first ack may have been lost), never re-show
            if self.auto_ack:
                await self._publish_json("ack", {"id": record["id"], "state": "displayed", "t_ns": agent_ns})
            return
        if agent_ns >= int(record["t_ns"]) + int(record["ttl_ms"]) * 1_000_000 and "shows_expired" not in self.faults:
            self.stats.expired += 1  # too late to be useful: never shown
            return
        if "slow_ack" in self.faults:
            await asyncio.sleep(2.0)
        self.seen_ids.add(record["id"])
        shown = ShownPrompt(record, agent_ns)
        self.stats.shown.append(shown)
        if self.on_prompt is not None:
            self.on_prompt(record)
        if not self.auto_ack:
            return
        await self._publish_json("ack", {"id": record["id"], "state": "displayed", "t_ns": agent_ns})
        label = self.feedback.get(record["kind"]) or self.feedback.get("*")
        if label in P.FEEDBACK_LABELS:
            await self._publish_json("ack", {"id": record["id"], "state": label, "t_ns": self.agent_now_ns()})

    async def ack(self, prompt_id: str, state: str) -> bool:
        """Acknowledge a prompt by hand (displayed, dismissed, helpful), stamped now."""
        return await self._publish_json("ack", {"id": prompt_id, "state": state, "t_ns": self.agent_now_ns()})

    async def send_feedback(self, prompt_id: str, label: str) -> None:
        await self._publish_json("feedback", {"seq": self._next_seq("feedback"), "t_ns": self.agent_now_ns(),
                                              "prompt_id": prompt_id, "label": label})

    # -- publishing ----------------------------------------------------------------------------

    def _next_seq(self, name: str) -> int:
        seq = self._seq.get(name, -1) + (0 if "seq_repeat" in self.faults and name in self._seq else 1)
        self._seq[name] = seq
        return seq

    async def _publish_json(self, name: str, record: dict[str, Any]) -> bool:
        spec = P.TOPICS[name]
        return await self.publish_raw(name, json.dumps({"v": P.PROTOCOL_VERSION, **record}).encode(), qos=spec.qos,
                                      retain=spec.retained)

    async def publish_raw(self, name: str, payload: bytes, *, qos: int | None = None, retain: bool = False,
                          user_properties: dict[str, str] | None = None) -> bool:
        """Publish as this device; False when not connected (the message is lost, as on a device)."""
        import aiomqtt
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        client = self._client
        if client is None:
            return False
        spec = P.TOPICS.get(name)
        props = Properties(PacketTypes.PUBLISH)
        if spec is not None and spec.expiry_s is not None:
            props.MessageExpiryInterval = spec.expiry_s
        if user_properties:
            props.UserProperty = list(user_properties.items())
        try:
            qos = (spec.qos if spec is not None else 0) if qos is None else qos
            await client.publish(P.topic(self.device_id, name), payload, qos=qos, retain=retain, properties=props)
        except aiomqtt.MqttError:
            return False
        self.stats.sent[name] = self.stats.sent.get(name, 0) + 1
        return True

    async def publish_frame(self, frame: Frame, t_ns: int) -> None:
        """One frame as firmware sends it, stamped `t_ns` on the agent's timeline."""
        if isinstance(frame, VideoFrame):
            jpeg = frame.jpeg if frame.jpeg is not None else encode_jpeg(frame.image, self.jpeg_quality)
            seq = self._next_seq("camera")
            await self.publish_raw("camera", jpeg, user_properties={"v": "1", "seq": str(seq), "t_ns": str(t_ns)})
        elif isinstance(frame, AudioChunk):
            if frame.sample_rate != P.AUDIO_SAMPLE_RATE:
                raise ValueError(f"audio at {frame.sample_rate} Hz; protocol {P.PROTOCOL_VERSION} carries {P.AUDIO_SAMPLE_RATE} Hz")
            step = P.AUDIO_SAMPLE_RATE * P.AUDIO_MAX_CHUNK_MS // 1000
            for start in range(0, len(frame.samples), step):
                part = frame.samples[start : start + step]
                seq = self._next_seq("audio")
                if seq in self.drop_audio_seqs:
                    continue  # lost in transit (QoS 0): the sequence number jumps
                data = part.astype("<i2").tobytes()
                await self.publish_raw("audio", data[:-1] if "bad_audio" in self.faults else data, user_properties={
                    "v": "1", "seq": str(seq), "t_ns": str(t_ns + start * 1_000_000_000 // P.AUDIO_SAMPLE_RATE), "rate": "16000"})
        elif isinstance(frame, ImuSample):
            await self._publish_json("imu", {"seq": self._next_seq("imu"), "t_ns": t_ns, "accel": list(frame.accel),
                                             "gyro": list(frame.gyro)})
        elif isinstance(frame, Event) and not isinstance(frame, TruthEvent) and frame.name in ("telemetry", "button"):
            await self._publish_json(frame.name, {"seq": self._next_seq(frame.name), "t_ns": t_ns, **frame.data})

    async def stream_live(self, sources: Iterable[Any], stop: asyncio.Event) -> None:
        """Publish what live devices (streams' CameraSource, MicrophoneSource) capture, as it comes.

        They stamp at capture on the device's clock; the stamp moves to the agent's timeline here.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Frame] = asyncio.Queue(maxsize=256)

        def emit(frame: Frame) -> None:  # from the devices' threads
            def put() -> None:
                if queue.full() and isinstance(frame, VideoFrame):
                    return  # a camera frame that cannot go out now is stale by the next one
                queue.put_nowait(frame) if not queue.full() else None

            loop.call_soon_threadsafe(put)

        await self.online.wait()
        started = list(sources)
        for src in started:
            src.start(emit, self.device_now_ns)
        try:
            while not stop.is_set():
                try:
                    frame = await asyncio.wait_for(queue.get(), timeout=0.2)
                except asyncio.TimeoutError:
                    continue
                await self.publish_frame(frame, frame.t_ns + (self.stats.offset_ns or 0))
        finally:
            for src in started:
                src.stop()

    async def _stream(self, stop: asyncio.Event) -> None:
        """Publish the frames at real pace, as a camera and microphone would produce them."""
        await self.online.wait()
        while True:
            t0: int | None = None
            start_device_ns = self.device_now_ns()
            for frame in self.frames:  # type: ignore[union-attr]
                if stop.is_set():
                    return
                t0 = frame.t_ns if t0 is None else t0
                due = start_device_ns + (frame.t_ns - t0)
                delay = (due - self.device_now_ns()) / 1e9
                if delay > 0:
                    await asyncio.sleep(delay)
                await self.publish_frame(frame, due + (self.stats.offset_ns or 0))
            if not self.loop or not isinstance(self.frames, (list, tuple)):
                break
        self.streaming_done.set()
