"""A real Mosquitto broker for tests, on a free 127.0.0.1 port, set up by firmware_bridge.broker."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from firmware_bridge import broker as setup

AGENT_USER, AGENT_PASSWORD = "agent", "agent-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mosquitto:
    root: Path
    tls: bool = True
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    devices: dict[str, str] = field(default_factory=dict)

    @property
    def layout(self) -> setup.BrokerLayout:
        return setup.BrokerLayout.at(self.root)

    def configure(self) -> "Mosquitto":
        if self.tls:
            setup.make_certificates(self.layout)
        setup.write_config(self.layout, port=self.port, tls=self.tls)
        setup.provision(self.layout, AGENT_USER, AGENT_PASSWORD)
        return self

    def add_device(self, device_id: str, password: str | None = None) -> str:
        password = password or f"{device_id}-secret"
        setup.provision(self.layout, device_id, password)
        self.devices[device_id] = password
        if self.proc is not None:
            setup.reload(self.layout)
        return password

    def start(self, timeout_s: float = 5.0) -> "Mosquitto":
        setup.hand_to_mosquitto_user(self.layout)
        self.proc = subprocess.Popen(
            ["mosquitto", "-c", str(self.layout.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:  # readiness: the port accepts connections
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.proc.stderr.read().decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.1):
                    return self
            except OSError:
                time.sleep(0.01)
        raise RuntimeError(f"mosquitto did not listen on {self.port} within {timeout_s} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def url(self, user: str | None = None, password: str | None = None) -> str:
        scheme = "mqtts" if self.tls else "mqtt"
        creds = f"{user}:{password}@" if user else ""
        return f"{scheme}://{creds}127.0.0.1:{self.port}"


def mosquitto_available() -> bool:
    return shutil.which("mosquitto") is not None and shutil.which("mosquitto_passwd") is not None


# -- bridge sessions for tests: a real bridge and emulators against this broker --------------------


def dark_scene(seconds: float = 2.0, fps: int = 10, size: tuple[int, int] = (96, 128), seed: int = 0) -> list:
    """Frames a device sends in a dark room: near-black camera, quiet audio in 100 ms chunks.

    Dark frames reliably make the agent's low-light policy speak (after a few dark ticks).
    """
    import numpy as np

    from streams.frames import NS_PER_S, AudioChunk, VideoFrame

    rng = np.random.default_rng(seed)
    frames: list = []
    for i in range(int(seconds * fps)):
        image = rng.integers(0, 12, size=(*size, 3), dtype=np.uint8)
        frames.append(VideoFrame(t_ns=i * NS_PER_S // fps, seq=i, source="camera", image=image))
    for i in range(int(seconds * 10)):
        samples = rng.integers(-30, 30, size=1600, dtype=np.int16)
        frames.append(AudioChunk(t_ns=i * NS_PER_S // 10, seq=i, source="audio", samples=samples))
    return sorted(frames, key=lambda f: (f.t_ns, f.source))


def bright_scene(seconds: float = 2.0, fps: int = 10) -> list:
    """A lit, featureless view: the agent has nothing to say about it."""
    import numpy as np

    from streams.frames import NS_PER_S, VideoFrame

    image = np.full((96, 128, 3), 160, np.uint8)
    return [VideoFrame(t_ns=i * NS_PER_S // fps, seq=i, source="camera", image=image) for i in range(int(seconds * fps))]


def agent_factory(memory_dir: Path):
    """Real agents, one memory file per device (memory partitioned per device)."""
    from glasses_agent.agent import Agent, AgentConfig

    def make(device_id: str):
        return Agent(AgentConfig(device_id=device_id, wearer=device_id, memory_path=str(memory_dir / f"{device_id}.sqlite3"),
                                 perception_checkpoint="none", world_checkpoint="none"))

    return make


def address(broker: Mosquitto, user: str, password: str):
    from firmware_bridge.connection import parse_url

    return parse_url(broker.url(user, password), ca_file=str(broker.layout.ca_cert) if broker.tls else None)


async def wait_for(condition, timeout_s: float = 20.0, what: str = "condition") -> None:
    """Wait on a condition (polled on the event loop), failing with `what` after the timeout."""
    import asyncio

    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.02)


def run_session(coro, timeout_s: float = 120.0):
    """asyncio.run with a bound: a session that hangs fails with a message instead of stalling CI."""
    import asyncio

    async def bounded():
        task = asyncio.ensure_future(coro)
        done, _ = await asyncio.wait({task}, timeout=timeout_s)
        if task in done:
            return task.result()
        import io

        where = io.StringIO()  # where each task is stuck: the message a hang deserves
        for t in asyncio.all_tasks():
            if t is not asyncio.current_task():
                t.print_stack(limit=4, file=where)
        task.cancel()
        raise AssertionError(f"the bridge session did not finish within {timeout_s} s; tasks:\n{where.getvalue()}")

    return asyncio.run(bounded())
