"""The conformance kit: plays the agent's side against one real device and checks, item by item,
what docs/protocol.md requires of a device.

    kit = ConformanceKit(address, "dev1")          # logs in as the agent user: stop the bridge first
    checks = await kit.run()
    print(format_checklist(checks))

Phases (a device is started, or restarted, while the kit waits for it):
 1. status: a retained `online` status that passes status.json;
 2. time sync: time requests before stamped streams (if none come, the kit asks with clock_unsynced);
 3. observe: OBSERVE_S of streams: stamps on the agent's clock, sequence numbers +1 per message,
    camera frames, audio chunks and JSON messages that the bridge would accept;
 4. prompts: each acked `displayed` within ACK_DEADLINE_S; a re-sent id acked again; an expired
    prompt never displayed;
 5. errors: one reply of each error code; the device stays online and streaming, and redoes the
    time exchange after clock_unsynced;
 6. reconnect (with `reconnect_wait_s`): the operator cuts the device's network; its will says
    `offline`; a prompt sent meanwhile arrives after it reconnects, from its persistent session.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from firmware_bridge import codec
from firmware_bridge import protocol as P
from firmware_bridge.bridge import user_properties
from firmware_bridge.connection import BrokerAddress
from firmware_bridge.rejection import Rejected

OBSERVE_S = 4.0
ACK_DEADLINE_S = 1.0  # docs/protocol.md: a device acks `displayed` within 1 s of receiving a prompt
STAMP_PAST_S = 2.0  # a stamp may trail its arrival by this much (capture, encode, transit)
STAMP_FUTURE_S = 0.1  # and lead it by no more than this (clock error after the time exchange)
RESYNC_S = 5.0
STREAMS = ("camera", "audio", "imu", "telemetry", "button")
ERROR_CODES = tuple(codec.schema("error.json")["properties"]["code"]["enum"])


@dataclass
class Check:
    """One checklist item: `status` is pass, fail or skip; `detail` says what was seen."""

    item: str
    status: str
    detail: str


@dataclass
class _Up:
    name: str
    payload: bytes
    props: dict[str, str]
    received_ns: int


def format_checklist(checks: list[Check]) -> str:
    """The printed checklist: one line per item, then the totals."""
    lines = [f"[{c.status.upper():4}] {c.item}: {c.detail}" for c in checks]
    counts = {s: sum(c.status == s for c in checks) for s in ("pass", "fail", "skip")}
    lines.append(f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    return "\n".join(lines)


class ConformanceKit:
    """The agent side for one device; `on_phase(name)` is told as each phase starts (the CLI
    prints instructions there; tests cut an emulator's network at "reconnect")."""

    def __init__(self, address: BrokerAddress, device_id: str, *, observe_s: float = OBSERVE_S,
                 ack_deadline_s: float = ACK_DEADLINE_S, connect_timeout_s: float = 30.0,
                 reconnect_wait_s: float = 0.0, on_phase: Callable[[str], None] | None = None) -> None:
        self.address, self.device_id = address, device_id
        self.observe_s, self.ack_deadline_s = observe_s, ack_deadline_s
        self.connect_timeout_s, self.reconnect_wait_s = connect_timeout_s, reconnect_wait_s
        self.on_phase = on_phase or (lambda phase: None)
        self.up: list[_Up] = []
        self.statuses: list[tuple[dict[str, Any], int]] = []
        self.retained_online = False  # the device was online before the kit started
        self.time_requests: list[int] = []  # received_ns of each
        self.acks: dict[str, list[tuple[str, int]]] = defaultdict(list)  # prompt id -> (state, received_ns)
        self._changed = asyncio.Event()
        self._client: Any = None
        self._n = 0

    @staticmethod
    def now_ns() -> int:
        return time.monotonic_ns()

    # -- the run ------------------------------------------------------------------------------

    async def run(self) -> list[Check]:
        from paho.mqtt.subscribeoptions import SubscribeOptions

        checks: list[Check] = []
        async with self.address.client("glasses-agent-conformance") as client:
            self._client = client
            await client.subscribe(P.topic(self.device_id, "#"), options=SubscribeOptions(qos=1, noLocal=True))
            consumer = asyncio.ensure_future(self._consume(client))
            try:
                for phase in (self._status, self._time_sync, self._observe, self._prompts, self._errors, self._reconnect):
                    self.on_phase(phase.__name__.lstrip("_"))
                    checks += await phase()
                    if checks and checks[0].status == "fail":
                        break  # no device: nothing else can be checked
            finally:
                consumer.cancel()
                await asyncio.gather(consumer, return_exceptions=True)
        return checks

    async def _consume(self, client: Any) -> None:
        async for message in client.messages:
            received = self.now_ns()
            _, name = P.parse_topic(str(message.topic))
            payload = bytes(message.payload or b"")
            if name == "time/request":
                self.time_requests.append(received)
                try:
                    record = codec.decode_up(str(message.topic), payload, {}, received).record or {}
                    await self._publish("time/reply", {"id": record["id"], "t1": record["t1"], "t2": received, "t3": self.now_ns()})
                except Rejected:
                    pass  # judged in the time-sync item
            elif name == "status":
                try:
                    self.statuses.append((json.loads(payload), received))
                    self.retained_online = bool(message.retain) and len(self.statuses) == 1 and self._online()
                except ValueError:
                    self.statuses.append(({"unparsed": payload[:80].decode("utf-8", "replace")}, received))
            elif name == "ack":
                try:
                    record = json.loads(payload)
                    self.acks[str(record.get("id"))].append((str(record.get("state")), received))
                except ValueError:
                    pass
            if name in P.UP_TOPICS:
                self.up.append(_Up(name, payload, user_properties(message), received))
            self._changed.set()

    async def _wait(self, condition: Callable[[], bool], timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(left, 0.1))
            except asyncio.TimeoutError:
                pass
        return True

    async def _publish(self, name: str, record: dict[str, Any], expiry_s: int | None = None) -> None:
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        spec = P.TOPICS[name]
        props = Properties(PacketTypes.PUBLISH)
        expiry = expiry_s if expiry_s is not None else spec.expiry_s
        if expiry is not None:
            props.MessageExpiryInterval = expiry
        await self._client.publish(P.topic(self.device_id, name), codec.encode_json(name, record), qos=spec.qos,
                                   retain=spec.retained, properties=props)

    def _online(self) -> bool:
        return bool(self.statuses) and self.statuses[-1][0].get("state") == "online"

    # -- phases -------------------------------------------------------------------------------

    async def _status(self) -> list[Check]:
        if not await self._wait(self._online, self.connect_timeout_s):
            seen = self.statuses[-1][0] if self.statuses else None
            return [Check("status online", "fail", f"no `online` status within {self.connect_timeout_s:g} s (last: {seen})")]
        status = self.statuses[-1][0]
        try:
            codec.check("status.json", status)
        except Rejected as err:
            return [Check("status online", "fail", f"status does not pass status.json: {err.detail}")]
        await self._publish("config", {"camera_fps": 10, "width": 320, "height": 240, "jpeg_quality": 80,
                                       "audio_chunk_ms": 100, "imu_hz": 50, "tick_hz": 10, "mode": "explore"})
        caps = ", ".join(k for k, v in sorted(status.get("capabilities", {}).items()) if v) or "none declared"
        return [Check("status online", "pass", f"retained online status, firmware {status.get('firmware', '?')!r}, capabilities: {caps}")]

    async def _time_sync(self) -> list[Check]:
        got = await self._wait(lambda: bool(self.time_requests), 5.0)
        how = "on connecting"
        if not got:
            await self._error("clock_unsynced", "camera", "conformance kit: no time exchange seen")
            got = await self._wait(lambda: bool(self.time_requests), RESYNC_S)
            how = "only after a clock_unsynced error"
        if not got:
            return [Check("time sync", "fail", "no time/request (id, t1) seen, not even after clock_unsynced")]
        bad = [u for u in self.up if u.name == "time/request" and not _decodes(u)]
        if bad:
            return [Check("time sync", "fail", f"{len(bad)} time requests fail time_request.json")]
        if how == "on connecting":
            return [Check("time sync", "pass", f"{len(self.time_requests)} time requests on connecting")]
        if self.retained_online:
            return [Check("time sync", "skip", "the device was connected before the kit started; it synced when asked "
                          "(restart the device after starting the kit to check the exchange on connecting)")]
        return [Check("time sync", "fail", "no time exchange on connecting; one only after a clock_unsynced error")]

    async def _observe(self) -> list[Check]:
        start = self.now_ns() + 500_000_000  # stamps of frames captured before the exchange finished are excused
        await asyncio.sleep(self.observe_s)
        window = [u for u in self.up if u.received_ns >= start and u.name in STREAMS]
        if not window:
            return [Check(item, "fail", f"no stream messages in {self.observe_s:g} s") for item in ("stamps", "sequence numbers")]
        return [self._stamps(window), self._sequences(window), *self._formats(window)]

    def _stamps(self, window: list[_Up]) -> Check:
        off = []
        for u in window:
            t_ns = _t_ns(u)
            if t_ns is None:
                continue
            lag = (u.received_ns - t_ns) / 1e9
            if not -STAMP_FUTURE_S <= lag <= STAMP_PAST_S:
                off.append(lag)
        if off:
            worst = max(off, key=abs)
            return Check("stamps", "fail", f"{len(off)} of {len(window)} stamps off the agent's clock (worst: "
                         f"{worst:+.3f} s behind arrival; allowed -{STAMP_FUTURE_S:g}..+{STAMP_PAST_S:g} s)")
        return Check("stamps", "pass", f"{len(window)} stamps within -{STAMP_FUTURE_S:g}..+{STAMP_PAST_S:g} s of arrival")

    @staticmethod
    def _sequences(window: list[_Up]) -> Check:
        last: dict[str, int] = {}
        gaps, backwards = 0, []
        for u in window:
            seq = _seq(u)
            if seq is None:
                continue
            if u.name in last:
                if seq <= last[u.name]:
                    backwards.append(f"{u.name} {last[u.name]}->{seq}")
                elif seq > last[u.name] + 1:
                    gaps += 1
            last[u.name] = seq
        if backwards:
            return Check("sequence numbers", "fail", f"{len(backwards)} repeated or decreasing (e.g. {', '.join(backwards[:3])})")
        return Check("sequence numbers", "pass", f"+1 per message on {', '.join(sorted(last))}; {gaps} gaps (lost QoS 0 messages)")

    def _formats(self, window: list[_Up]) -> list[Check]:
        checks = []
        for item, names in (("camera frames", ("camera",)), ("audio chunks", ("audio",)),
                            ("JSON streams", ("imu", "telemetry", "button"))):
            sent = [u for u in window if u.name in names]
            if not sent:
                checks.append(Check(item, "skip", "none sent"))
                continue
            codes: dict[str, int] = defaultdict(int)
            for u in sent:
                try:  # at the message's own stamp: the clock is judged under `stamps`, not here
                    codec.decode_up(P.topic(self.device_id, u.name), u.payload, u.props, _t_ns(u) or u.received_ns)
                except Rejected as err:
                    codes[err.code] += 1
            if codes:
                checks.append(Check(item, "fail", f"{sum(codes.values())} of {len(sent)} refused: {dict(codes)}"))
            else:
                checks.append(Check(item, "pass", f"{len(sent)} accepted as the bridge checks them"))
        return checks

    async def _prompts(self) -> list[Check]:
        deadline = self.ack_deadline_s
        late, sent = [], []
        for _ in range(3):
            pid = await self._prompt()
            sent.append(pid)
            acked = await self._wait(lambda: any(s == "displayed" for s, _ in self.acks[pid]), deadline)
            if not acked:
                late.append(pid)
        checks = [Check("acks within the deadline", "fail" if late else "pass",
                        f"{len(sent) - len(late)} of {len(sent)} prompts acked `displayed` within {deadline:g} s")]
        before = len(self.acks[sent[0]])
        await self._prompt(prompt_id=sent[0])
        again = await self._wait(lambda: len(self.acks[sent[0]]) > before, deadline)
        checks.append(Check("re-sent prompt acked again", "pass" if again else "fail",
                            "a re-sent id was acked again" if again else f"no ack within {deadline:g} s for a re-sent id"))
        expired = await self._prompt(t_ns=self.now_ns() - 10_000_000_000, ttl_ms=1000)
        shown = await self._wait(lambda: any(s == "displayed" for s, _ in self.acks[expired]), deadline + 0.5)
        checks.append(Check("expired prompt not shown", "fail" if shown else "pass",
                            "an already expired prompt was acked `displayed`" if shown else "an already expired prompt was not displayed"))
        return checks

    async def _prompt(self, *, prompt_id: str | None = None, t_ns: int | None = None, ttl_ms: int = 5000) -> str:
        if prompt_id is None:
            self._n += 1
            prompt_id = f"conformance-{self._n}"
        record = {"id": prompt_id, "t_ns": self.now_ns() if t_ns is None else t_ns, "kind": "conformance",
                  "text": f"conformance check {prompt_id}", "priority": 1, "haptic": "none", "ttl_ms": ttl_ms, "evidence": {}}
        await self._publish("prompt", record, expiry_s=max(1, ttl_ms // 1000))
        return prompt_id

    async def _error(self, code: str, name: str, detail: str) -> None:
        await self._publish("error", {"code": code, "topic": P.topic(self.device_id, name), "detail": detail, "seq": None,
                                      "t_ns": self.now_ns(), "rejected_total": 1})

    async def _errors(self) -> list[Check]:
        streaming_before = any(u.name in STREAMS for u in self.up)
        mark = self.now_ns()
        requests_before = len(self.time_requests)
        for code in ERROR_CODES:
            await self._error(code, "camera", f"conformance kit: a {code} reply")
        resynced = await self._wait(lambda: len(self.time_requests) > requests_before, RESYNC_S)
        await asyncio.sleep(1.0)
        streaming = any(u.name in STREAMS and u.received_ns > mark for u in self.up)
        stayed = self._online() and not any(s.get("state") == "offline" for s, t in self.statuses if t > mark)
        ok = stayed and (streaming or not streaming_before)
        return [
            Check("survives every error reply", "pass" if ok else "fail",
                  f"{len(ERROR_CODES)} error codes sent; " + ("stayed online" if stayed else "went offline")
                  + ("" if not streaming_before else (", kept streaming" if streaming else ", stopped streaming"))),
            Check("resync after clock_unsynced", "pass" if resynced else "fail",
                  "time exchange redone" if resynced else f"no time request within {RESYNC_S:g} s of clock_unsynced"),
        ]

    async def _reconnect(self) -> list[Check]:
        if self.reconnect_wait_s <= 0:
            why = "run with --reconnect-wait S and cut the device's network when told"
            return [Check("will on unclean drop", "skip", why), Check("reconnect with the same session", "skip", why)]
        went = await self._wait(lambda: bool(self.statuses) and self.statuses[-1][0].get("state") == "offline",
                                self.reconnect_wait_s)
        checks = [Check("will on unclean drop", "pass" if went else "fail",
                        "the broker published the will `offline`" if went else f"no `offline` within {self.reconnect_wait_s:g} s")]
        pid = await self._prompt(ttl_ms=60_000)  # sent while the device is away: waits in its session
        back = await self._wait(self._online, self.reconnect_wait_s)
        if not back:
            return checks + [Check("reconnect with the same session", "fail", f"not back online within {self.reconnect_wait_s:g} s")]
        got = await self._wait(lambda: any(s == "displayed" for s, _ in self.acks[pid]), self.ack_deadline_s + 5.0)
        return checks + [Check("reconnect with the same session", "pass" if got else "fail",
                               "a prompt sent while offline arrived from the session" if got else
                               "a prompt sent while offline never arrived (clean start or no session expiry?)")]


def _t_ns(u: _Up) -> int | None:
    value = u.props.get("t_ns") if u.name in ("camera", "audio") else _json_field(u, "t_ns")
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _seq(u: _Up) -> int | None:
    value = u.props.get("seq") if u.name in ("camera", "audio") else _json_field(u, "seq")
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _json_field(u: _Up, key: str) -> Any:
    try:
        value = json.loads(u.payload) if len(u.payload) <= P.MAX_JSON_BYTES and codec.nesting_depth(u.payload) <= P.MAX_JSON_DEPTH else None
    except ValueError:
        return None
    return value.get(key) if isinstance(value, dict) else None


def _decodes(u: _Up) -> bool:
    try:
        codec.decode_up(f"{P.TOPIC_ROOT}/x/{u.name}", u.payload, u.props, u.received_ns)
        return True
    except Rejected:
        return False


PHASE_INSTRUCTIONS = {
    "status": "waiting for the device: start (or restart) it now",
    "time_sync": "device online; watching for its time exchange",
    "observe": "watching its streams",
    "prompts": "sending prompts (the device should show three, then ack a re-sent one)",
    "errors": "sending one error reply of each code",
    "reconnect": "now cut the device's network (Wi-Fi off, or pull the antenna) until told it is back",
}


def run_checklist(address: BrokerAddress, device_id: str, *, reconnect_wait_s: float = 0.0, observe_s: float = OBSERVE_S,
                  connect_timeout_s: float = 30.0, say: Callable[[str], None] = print) -> int:
    """The `conformance` command: run the kit, say each phase, print the checklist; 0 when nothing failed."""

    def on_phase(phase: str) -> None:
        if phase != "reconnect" or reconnect_wait_s > 0:
            say(f"-- {PHASE_INSTRUCTIONS.get(phase, phase)}")

    kit = ConformanceKit(address, device_id, observe_s=observe_s, reconnect_wait_s=reconnect_wait_s,
                         connect_timeout_s=connect_timeout_s, on_phase=on_phase)
    checks = asyncio.run(kit.run())
    say(format_checklist(checks))
    return 1 if any(c.status == "fail" for c in checks) else 0
