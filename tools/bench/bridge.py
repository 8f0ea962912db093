"""The bridge's load benchmark: K emulated devices on loopback for T seconds, one agent process.

    glasses-agent bench bridge            # K=4 devices for 60 s, then a ramp for the largest K in real time
    glasses-agent bench bridge --devices 2 --seconds 10 --ramp '' --perception none

Flags, each with an environment variable for scripts (the flag wins): --devices K
(BRIDGE_BENCH_DEVICES, default 4), --seconds T (BRIDGE_BENCH_SECONDS, 60), --ramp K,K,... (device
counts tried after the main run while it keeps real time; BRIDGE_BENCH_RAMP, "6,8,12,16"; empty
for none), --ramp-seconds T (BRIDGE_BENCH_RAMP_SECONDS, 20), --perception CKPT
(BRIDGE_BENCH_PERCEPTION; "none" runs the agents without the perception model).

A real Mosquitto (TLS, passwords, ACL) is started for the run; the devices run in a second
process (`python -m tools.bench.bridge devices ...`) so their work is not the bridge's;
the bridge and every device's agent run in this one. Each device loops the generated demo walk
(scripted events that make the agent speak), camera 10 fps, audio in 100 ms chunks, IMU 50 Hz.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from firmware_bridge import broker as setup

AGENT_PASSWORD = "bench-agent-secret"
REAL_TIME_DROP = 0.05  # a K is "kept in real time" when under 5% of ticks and of frames are dropped


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BenchBroker:
    """A throwaway TLS Mosquitto in its own /tmp folder (as root it drops to user mosquitto)."""

    def __init__(self, devices: int) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="glasses-agent-bench-broker-"))
        self.layout = setup.BrokerLayout.at(self.root)
        self.port = _free_port()
        setup.make_certificates(self.layout)
        setup.write_config(self.layout, port=self.port)
        setup.provision(self.layout, "agent", AGENT_PASSWORD)
        for i in range(devices):
            setup.provision(self.layout, f"bench-{i}", f"bench-{i}-secret")
        setup.hand_to_mosquitto_user(self.layout)
        self.proc = subprocess.Popen(["mosquitto", "-c", str(self.layout.conf)], stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise setup.BrokerSetupError(f"mosquitto did not start: {self.proc.stderr.read().decode()[-300:]}")
                time.sleep(0.02)

    def url(self, user: str, password: str) -> str:
        """The broker's MQTT-over-TLS URL with this login."""
        return f"mqtts://{user}:{password}@127.0.0.1:{self.port}"

    def close(self) -> None:
        """Stop the broker (killed if it does not end within 5 s)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.root, ignore_errors=True)


def device_scene(seed: int) -> list:
    """The demo walk with JPEGs encoded once (a device's camera hands out JPEG) and IMU at 50 Hz."""
    from streams.recording.codec import encode_jpeg
    from glasses_agent.scoring.scenes import scenario_source
    from streams.frames import ImuSample, TruthEvent, VideoFrame

    frames, imu_kept, last_imu = [], 0, None
    for frame in scenario_source("demo", seed=seed).frames():
        if isinstance(frame, TruthEvent):
            continue
        if isinstance(frame, ImuSample):
            if last_imu is not None and frame.t_ns - last_imu < 20_000_000:
                continue
            last_imu = frame.t_ns
            frame = replace(frame, seq=imu_kept)
            imu_kept += 1
        if isinstance(frame, VideoFrame) and frame.jpeg is None:
            frame = replace(frame, jpeg=encode_jpeg(frame.image))
        frames.append(frame)
    return frames


# -- the devices' process ------------------------------------------------------------------------


async def _run_devices(port: int, ca: str, count: int, seconds: float, out: str) -> None:
    from firmware_bridge.connection import parse_url
    from firmware_bridge.emulator import DeviceEmulator

    scenes = {}
    emulators = []
    for i in range(count):
        seed = 3 + i % 4
        scene = scenes.setdefault(seed, device_scene(seed))
        addr = parse_url(f"mqtts://bench-{i}:bench-{i}-secret@127.0.0.1:{port}", ca_file=ca)
        emulators.append(DeviceEmulator(addr, f"bench-{i}", scene, loop=True, feedback={"*": "helpful"}))
    stop = asyncio.Event()
    tasks = [asyncio.create_task(e.run(stop)) for e in emulators]
    await asyncio.wait([asyncio.create_task(e.online.wait()) for e in emulators], timeout=30)
    print("online", flush=True)
    await asyncio.sleep(seconds)
    await asyncio.sleep(1.0)  # prompts about the last frames
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    stats = [{"device": e.device_id, "sent": e.stats.sent, "shown": len(e.stats.shown), "duplicates": e.stats.duplicates,
              "expired": e.stats.expired, "errors": len(e.stats.errors),
              "latencies_ms": [s.latency_ns / 1e6 for s in e.stats.shown]} for e in emulators]
    Path(out).write_text(json.dumps(stats))


def _rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


# -- the bridge's side -------------------------------------------------------------------------


def run_load(devices: int, seconds: float, perception: str | None = None) -> dict[str, Any]:
    """One run: a broker, K devices in a subprocess, the bridge with K agents here."""
    from firmware_bridge.bridge import Bridge
    from firmware_bridge.connection import parse_url
    from glasses_agent.agent import Agent, AgentConfig

    broker = BenchBroker(devices)
    work = Path(tempfile.mkdtemp(prefix="glasses-agent-bench-bridge-"))
    try:
        def make_agent(device_id: str) -> Any:
            return Agent(AgentConfig(device_id=device_id, wearer=device_id, memory_path=str(work / f"{device_id}.sqlite3"),
                                     perception_checkpoint=perception, world_checkpoint=perception))

        bridge = Bridge(parse_url(broker.url("agent", AGENT_PASSWORD), ca_file=str(broker.layout.ca_cert)),
                        agent_factory=make_agent, outbox_path=work / "outbox.sqlite3")
        stats_path = work / "devices.json"
        memory: list[tuple[float, float]] = []

        async def main() -> float:
            stop = asyncio.Event()
            task = asyncio.create_task(bridge.run(stop))
            await bridge.wait_connected()
            for i in range(devices):  # the agents (and their models) load before the clock starts
                bridge._session(f"bench-{i}", start=True)
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tools.bench.bridge", "devices", "--port", str(broker.port),
                "--ca", str(broker.layout.ca_cert), "--count", str(devices), "--seconds", str(seconds), "--out", str(stats_path),
                stdout=asyncio.subprocess.PIPE)
            await asyncio.wait_for(proc.stdout.readline(), timeout=120)  # "online"
            start = time.perf_counter()
            while proc.returncode is None:
                memory.append((round(time.perf_counter() - start, 1), round(_rss_mib(), 1)))
                try:
                    await asyncio.wait_for(proc.wait(), timeout=5.0)
                except asyncio.TimeoutError:
                    pass
            wall = time.perf_counter() - start
            await asyncio.sleep(0.5)
            stop.set()
            await task
            return wall

        wall = asyncio.run(main())
        summary = bridge.summary()
        device_stats = json.loads(stats_path.read_text())
    finally:
        broker.close()
        shutil.rmtree(work, ignore_errors=True)
    return _figures(devices, seconds, wall, summary, device_stats, memory)


def _figures(devices: int, seconds: float, wall: float, summary: dict, device_stats: list, memory: list) -> dict[str, Any]:
    received = sum(sum(d["messages"].values()) for d in summary["devices"].values())
    cam_sent = sum(d["sent"].get("camera", 0) for d in device_stats)
    cam_received = sum(d["messages"].get("camera", 0) for d in summary["devices"].values())
    cam_evicted = sum(d["channels"].get("video", {}).get("dropped", 0) for d in summary["devices"].values())
    ticks = sum(d["ticks_processed"] for d in summary["devices"].values())
    ticks_dropped = sum(d["ticks_dropped"] for d in summary["devices"].values())
    latencies = np.array([x for d in device_stats for x in d["latencies_ms"]], float)
    frame_drop = (cam_sent - cam_received + cam_evicted) / cam_sent if cam_sent else 0.0
    tick_drop = ticks_dropped / (ticks + ticks_dropped) if ticks + ticks_dropped else 0.0
    return {
        "devices": devices,
        "seconds": seconds,
        "wall_s": round(wall, 1),
        "messages_per_s": round(received / seconds, 1),  # devices stream for `seconds`; the tail is a drain
        "messages_received": received,
        "frames_sent": cam_sent,
        "frame_drop_rate": round(frame_drop, 4),
        "ticks_processed": ticks,
        "tick_drop_rate": round(tick_drop, 4),
        "prompts_shown": int(len(latencies)),
        "prompt_latency_p50_ms": round(float(np.percentile(latencies, 50)), 1) if len(latencies) else None,
        "prompt_latency_p99_ms": round(float(np.percentile(latencies, 99)), 1) if len(latencies) else None,
        "duplicates_ignored": sum(d["duplicates"] for d in device_stats),
        "expired": sum(d["expired"] for d in device_stats),
        "rejected": summary["rejected"],
        "bridge_rss_mib_over_time": memory,
        "real_time": frame_drop < REAL_TIME_DROP and tick_drop < REAL_TIME_DROP,
    }


def _setting(args: argparse.Namespace, name: str, env_name: str, default: str, parse: Any) -> Any:
    """A flag of `bench bridge` when given, else its environment variable, else the default."""
    value = getattr(args, name, None)
    return value if value is not None else parse(os.environ.get(env_name, default))


def bench_bridge(args: argparse.Namespace) -> dict[str, Any]:
    """Entry point of `glasses-agent bench bridge` (BENCHMARKS in tools/commands/bench.py)."""
    devices = _setting(args, "devices", "BRIDGE_BENCH_DEVICES", "4", int)
    seconds = _setting(args, "seconds", "BRIDGE_BENCH_SECONDS", "60", float)
    ramp = _setting(args, "ramp", "BRIDGE_BENCH_RAMP", "6,8,12,16", lambda s: [int(k) for k in s.split(",") if k.strip()])
    ramp_seconds = _setting(args, "ramp_seconds", "BRIDGE_BENCH_RAMP_SECONDS", "20", float)
    perception = _setting(args, "perception", "BRIDGE_BENCH_PERCEPTION", "", str) or None
    print(f"bridge load: {devices} devices for {seconds:g} s ...", file=sys.stderr, flush=True)
    main = run_load(devices, seconds, perception)
    largest = devices if main["real_time"] else 0
    tried = [{"devices": devices, "real_time": main["real_time"], "frame_drop_rate": main["frame_drop_rate"],
              "tick_drop_rate": main["tick_drop_rate"]}]
    if main["real_time"]:
        for k in sorted(k for k in ramp if k > devices):
            print(f"bridge load: ramp, {k} devices for {ramp_seconds:g} s ...", file=sys.stderr, flush=True)
            r = run_load(k, ramp_seconds, perception)
            tried.append({"devices": k, "real_time": r["real_time"], "frame_drop_rate": r["frame_drop_rate"],
                          "tick_drop_rate": r["tick_drop_rate"], "prompt_latency_p99_ms": r["prompt_latency_p99_ms"]})
            if not r["real_time"]:
                break
            largest = k
    rss = [m for _, m in main["bridge_rss_mib_over_time"]]
    return {**main, "bridge_rss_mib_start": rss[0] if rss else None, "bridge_rss_mib_end": rss[-1] if rss else None,
            "largest_real_time_devices": largest, "ramp": tried,
            "perception": perception or "default checkpoint"}


def _devices_main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="tools.bench.bridge devices")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    asyncio.run(_run_devices(a.port, a.ca, a.count, a.seconds, a.out))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "devices":
        _devices_main(sys.argv[2:])
    else:
        sys.exit("usage: python -m tools.bench.bridge devices --port P --ca CA --count K --seconds T --out F.json")
