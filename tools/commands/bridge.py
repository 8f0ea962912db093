"""The MQTT side of the command line: the device emulator, broker set-up, and serving devices.

    glasses-agent broker init --dir broker/ --port 8883            # CA, server cert, config, agent login
    glasses-agent broker provision --dir broker/ --id dev1         # a device's password and ACL (printed once)
    glasses-agent broker start --dir broker/                       # run Mosquitto on that config
    glasses-agent bridge --mqtt mqtts://agent:PW@localhost:8883?ca=broker/ca.crt   # serve every device
    glasses-agent device --id dev1 --mqtt mqtts://dev1:PW@localhost:8883?ca=broker/ca.crt --replay walk.mcap
    glasses-agent conformance --id dev1 --mqtt mqtts://agent:PW@localhost:8883?ca=broker/ca.crt   # check a device

`glasses-agent run --mqtt URL` calls `serve(args)` here. aiomqtt, the agent and torch are
imported inside the handlers so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import dataclasses
import secrets
import sys
from typing import Any

from glasses_agent.identifiers import id_argument
from tools.commands.common import add_agent_arguments, agent_home, broker_address, device_agent, open_replay, positive_float


def register(subparsers: Any) -> None:
    """Add `device`, `bridge` and `broker` to the CLI."""
    dev = subparsers.add_parser("device", help="the reference device emulator: stream to the agent over MQTT, show prompts")
    dev.add_argument("--id", required=True, dest="device_id", type=id_argument("device id"), help="device id (its MQTT user name)")
    dev.add_argument("--mqtt", required=True, metavar="URL", help="mqtts://ID:PASSWORD@HOST:PORT[?ca=CA.crt]")
    _connection_options(dev)
    src = dev.add_mutually_exclusive_group(required=True)
    src.add_argument("--replay", metavar="FILE", help="an MCAP recording or media file, streamed at real pace")
    src.add_argument("--camera", metavar="SRC", help="live camera: device index, file or URL (MJPEG over HTTP)")
    dev.add_argument("--mic", metavar="DEV", help="live microphone (with --camera)")
    dev.add_argument("--loop", action="store_true", help="play the replay again and again")
    dev.add_argument("--duration", type=positive_float, metavar="S", help="stop after S seconds")
    dev.add_argument("--feedback", action="append", default=[], metavar="KIND=LABEL",
                     help="answer prompts of KIND (or *) with helpful or dismissed; repeatable")
    dev.add_argument("--clock-skew", type=float, default=0.0, metavar="S", help="pretend the device clock is S seconds off")
    from firmware_bridge.faults import FAULTS

    dev.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS), metavar="NAME",
                     help="break the protocol on purpose, to try the conformance kit (repeatable): "
                          + "; ".join(f"{k}: {v}" for k, v in FAULTS.items()))
    dev.set_defaults(handler=cmd_device)

    conf = subparsers.add_parser("conformance", help="check a device against the protocol: play the agent's side, print a checklist")
    conf.add_argument("--mqtt", required=True, metavar="URL", help="mqtts://agent:PASSWORD@HOST:PORT[?ca=CA.crt] (stop the bridge first)")
    conf.add_argument("--id", required=True, dest="device_id", type=id_argument("device id"), help="the device to check")
    _connection_options(conf)
    conf.add_argument("--reconnect-wait", type=float, default=0.0, metavar="S",
                      help="also check the will and the session: cut the device's network when told, wait up to S s (default: skip)")
    conf.add_argument("--observe", type=positive_float, default=4.0, metavar="S", help="seconds of streams to check (default 4)")
    conf.add_argument("--connect-timeout", type=positive_float, default=60.0, metavar="S",
                      help="how long to wait for the device to come online (default 60)")
    conf.set_defaults(handler=cmd_conformance)

    br = subparsers.add_parser("bridge", help="serve devices over MQTT: one agent per device (same as run --mqtt)")
    br.add_argument("--mqtt", required=True, metavar="URL", help="mqtts://agent:PASSWORD@HOST:PORT[?ca=CA.crt]")
    _connection_options(br)
    br.add_argument("--duration", type=positive_float, metavar="S", help="stop after S seconds")
    br.add_argument("--tick-hz", type=positive_float, default=10.0, help="ticks per second (default 10)")
    br.add_argument("--log-format", choices=("text", "json"), default="text",
                    help="one line per device event on stdout (online, offline, rejected, button, mode, prompt sent/"
                         "acked/expired...): text, or json for log shippers (default text)")
    add_agent_arguments(br)
    br.set_defaults(handler=serve)

    broker = subparsers.add_parser("broker", help="set up Mosquitto (TLS, passwords, per-device ACL) and provision devices")
    bsub = broker.add_subparsers(dest="broker_command", metavar="ACTION", required=True)
    init = bsub.add_parser("init", help="write a CA, server certificate, mosquitto.conf, ACL and the agent's login")
    init.add_argument("--dir", required=True, help="folder for the broker's files")
    init.add_argument("--port", type=int, default=8883, help="listener port (default 8883)")
    init.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    init.add_argument("--host", action="append", default=[], help="server name in the certificate (repeatable; default localhost)")
    init.add_argument("--no-tls", action="store_true", help="plain MQTT (development on loopback only)")
    init.add_argument("--agent-password", help="the bridge's password (default: generated and printed)")
    prov = bsub.add_parser("provision", help="add a device: its password (generated unless given) and ACL")
    prov.add_argument("--dir", required=True)
    prov.add_argument("--id", required=True, dest="device_id", type=id_argument("device id"))
    prov.add_argument("--password", help="default: a generated one, printed once")
    rev = bsub.add_parser("revoke", help="remove a device's login")
    rev.add_argument("--dir", required=True)
    rev.add_argument("--id", required=True, dest="device_id", type=id_argument("device id"))
    start = bsub.add_parser("start", help="run Mosquitto on the folder's configuration (foreground)")
    start.add_argument("--dir", required=True)
    broker.set_defaults(handler=cmd_broker)


def _connection_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ca", metavar="CA.crt", help="CA certificate of the broker (or ?ca= in the URL, or $GLASSES_AGENT_MQTT_CA)")
    p.add_argument("--allow-plaintext", action="store_true", help="allow mqtt:// to a non-loopback broker")
    p.add_argument("--retry", action="store_true",
                   help="keep trying until the broker answers (a service started before its broker); without it a"
                        " broker not reached on the first try is an error")


# -- serving devices ---------------------------------------------------------------------------


def serve(args: argparse.Namespace) -> int:
    """Serve every device that connects: `glasses-agent run --mqtt URL` and `glasses-agent bridge`."""
    import asyncio
    import logging

    from firmware_bridge.bridge import Bridge
    from glasses_agent.errors import GlassesAgentError

    if getattr(args, "replay", None) or getattr(args, "demo", False) or getattr(args, "camera", None):
        raise GlassesAgentError("with --mqtt the agent serves the devices' own streams; to play a recording as a device "
                                "use `glasses-agent device --id ID --mqtt URL --replay FILE`")
    address = broker_address(args)
    home = agent_home(args)
    logging.basicConfig(level=logging.WARNING, format="glasses-agent: %(message)s")

    def make_agent(device_id: str) -> Any:
        # Memory is partitioned per device: each wearer's glasses get their own file.
        return device_agent(args, device_id, home)

    from firmware_bridge.events import EventLog

    fmt = getattr(args, "log_format", "text")  # `run --mqtt` has no such flag: text
    # JSON mode keeps stdout to event lines only; the banner and the summary go to stderr.
    console = sys.stderr if fmt == "json" else sys.stdout
    bridge = Bridge(address, agent_factory=make_agent, outbox_path=home / "bridge-outbox.sqlite3", tick_hz=args.tick_hz,
                    events=EventLog(sys.stdout, fmt), wait_for_broker=getattr(args, "retry", False))

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(bridge.run(stop))
        print(f"serving devices at {address.host}:{address.port} ({'TLS' if address.tls else 'plain'}); Ctrl-C to stop",
              flush=True, file=console)
        try:
            if args.duration:
                done, _ = await asyncio.wait([task], timeout=args.duration)
            else:
                await asyncio.shield(task)
        finally:
            stop.set()
            await task

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    _print_bridge_summary(bridge.summary(), console)
    return 0


def _print_bridge_summary(summary: dict[str, Any], out: Any = None) -> None:
    out = out or sys.stdout
    print(f"prompts sent {summary['prompts_sent']}, pending {summary['prompts_pending']}, expired {summary['prompts_expired']};"
          f" acks {summary['acks']}; rejected {summary['rejected'] or 'none'}", file=out)
    for device_id, d in summary["devices"].items():
        print(f"  {device_id:<12} {d['state']:<8} messages {d['messages']} ticks {d['ticks_processed']}"
              f" seq gaps {d['seq_gaps'] or 'none'} rejected {d['rejected'] or 'none'}", file=out)


def cmd_conformance(args: argparse.Namespace) -> int:
    """`glasses-agent conformance`: the kit of firmware_bridge.conformance against one device."""
    from firmware_bridge.conformance import run_checklist

    address = broker_address(args)
    print(f"conformance of device {args.device_id} at {address.host}:{address.port} (the bridge must not be running: "
          "the kit logs in as the agent)", flush=True)
    return run_checklist(address, args.device_id, reconnect_wait_s=args.reconnect_wait, observe_s=args.observe,
                         connect_timeout_s=args.connect_timeout, say=lambda line: print(line, flush=True))


# -- the device emulator -----------------------------------------------------------------------


def _feedback_script(items: list[str]) -> dict[str, str]:
    from glasses_agent.errors import GlassesAgentError

    script = {}
    for item in items:
        kind, _, label = item.partition("=")
        if label not in ("helpful", "dismissed") or not kind:
            raise GlassesAgentError(f"--feedback wants KIND=helpful or KIND=dismissed (KIND may be *), got {item!r}")
        script[kind] = label
    return script


def cmd_device(args: argparse.Namespace) -> int:
    """`glasses-agent device`: the reference device emulator, streaming a replay or live devices to the bridge."""
    import asyncio

    from firmware_bridge.emulator import DeviceEmulator
    from glasses_agent.errors import GlassesAgentError

    if args.mic and not args.camera:
        raise GlassesAgentError("--mic goes with --camera")
    feedback = _feedback_script(args.feedback)
    address = broker_address(args)
    if address.username is None:  # the MQTT user name is the device id
        address = dataclasses.replace(address, username=args.device_id)
    frames = None
    live: list[Any] = []
    if args.replay:
        source = open_replay(args.replay)
        frames = list(source.frames()) if args.loop else source.frames()
    else:
        from streams.sources.camera import CameraSource

        live.append(CameraSource(args.camera))
        if args.mic is not None:
            from streams.sources.microphone import MicrophoneSource

            live.append(MicrophoneSource(args.mic))

    def show(record: dict[str, Any]) -> None:
        print(f"PROMPT {record['kind']:<12} {record['text']}  (id {record['id']}, priority {record['priority']},"
              f" haptic {record['haptic']})", flush=True)

    emulator = DeviceEmulator(address, args.device_id, frames, clock_skew_ns=int(args.clock_skew * 1e9),
                              feedback=feedback, on_prompt=show, loop=args.loop, faults=args.fault,
                              wait_for_broker=args.retry)

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(emulator.run(stop))
        waits = [task]
        if live:
            waits.append(asyncio.create_task(emulator.stream_live(live, stop)))
        else:
            waits.append(asyncio.create_task(emulator.streaming_done.wait()))
        try:
            await asyncio.wait(waits, timeout=args.duration, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                task.result()  # a refused login, a lost bridge: raise it
            elif emulator.streaming_done.is_set():
                await asyncio.sleep(1.0)  # let prompts about the last frames arrive before saying goodbye
        finally:
            stop.set()
            for t in waits:
                if t is not task:
                    t.cancel()
            await asyncio.gather(*waits, return_exceptions=True)
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]

    print(f"device {args.device_id}: connecting to {address.host}:{address.port}", flush=True)
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    except TimeoutError as err:
        raise GlassesAgentError(str(err)) from None
    s = emulator.stats
    print(f"device {args.device_id}: sent {dict(sorted(s.sent.items())) or 'streams'}; prompts shown {len(s.shown)},"
          f" duplicates ignored {s.duplicates}, expired {s.expired}; errors from the bridge {len(s.errors)}", flush=True)
    for err in s.errors[-5:]:
        print(f"  rejected: {err['code']} on {err['topic']}: {err['detail']}", flush=True)
    return 0


# -- broker set-up ---------------------------------------------------------------------------


def cmd_broker(args: argparse.Namespace) -> int:
    """`glasses-agent broker init|provision|revoke|start`: Mosquitto's files, logins and ACL."""
    from firmware_bridge import broker as setup

    layout = setup.BrokerLayout.at(args.dir)
    if args.broker_command == "init":
        tls = not args.no_tls
        if tls:
            setup.make_certificates(layout, tuple(args.host) or ("localhost", "127.0.0.1"))
        setup.write_config(layout, port=args.port, tls=tls, bind=args.bind)
        password = args.agent_password or secrets.token_urlsafe(18)
        setup.provision(layout, "agent", password)
        setup.hand_to_mosquitto_user(layout)
        scheme = "mqtts" if tls else "mqtt"
        ca = f"?ca={layout.ca_cert}" if tls else ""
        print(f"broker files in {layout.root}\n  start it:   glasses-agent broker start --dir {args.dir}"
              f"\n  the agent:  glasses-agent bridge --mqtt '{scheme}://agent:{password}@localhost:{args.port}{ca}'")
        return 0
    if args.broker_command == "provision":
        password = args.password or secrets.token_urlsafe(18)
        setup.provision(layout, args.device_id, password)
        running = layout.pid_file.exists()
        if running:
            setup.reload(layout)
        print(f"device {args.device_id}: user {args.device_id}, password {password} (shown once; store it on the device)"
              f"{'; broker reloaded' if running else ''}")
        return 0
    if args.broker_command == "revoke":
        setup.revoke(layout, args.device_id)
        if layout.pid_file.exists():
            setup.reload(layout)
        print(f"device {args.device_id}: revoked")
        return 0
    if args.broker_command == "start":
        if not layout.conf.exists():
            raise setup.BrokerSetupError(f"no {layout.conf}: run `glasses-agent broker init --dir {args.dir}` first")
        setup.hand_to_mosquitto_user(layout)
        sys.stdout.flush()
        setup.run_in_foreground(layout)  # a Mosquitto that fails to start says why (its log, not the terminal)
    return 0
