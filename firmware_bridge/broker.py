"""Mosquitto set-up and device provisioning: a CA and server certificate, a password file, and
per-device ACL entries, written into one folder with a `mosquitto.conf` that uses them.

The same code sets up a development broker, a production one, and the test fixture's broker, so
what the tests exercise is what users deploy.

ACL design (MQTT topic tree `glasses/{device_id}/...`): a device logs in with its id as user name
and may only publish its own streams and read its own agent-bound topics. It can never read
another device's camera or publish prompts, config or feedback as another device. The agent's
bridge logs in as `agent_user` and may read and write every device's tree.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from glasses_agent.errors import GlassesAgentError
from glasses_agent.identifiers import ID_PATTERN, InvalidIdError, check_id

# Topics a device publishes (device -> agent) and subscribes to (agent -> device).
DEVICE_PUBLISHES = ("camera", "audio", "imu", "telemetry", "button", "feedback", "status", "ack", "time/request")
DEVICE_SUBSCRIBES = ("prompt", "config", "error", "time/reply")
DEVICE_ID_PATTERN = ID_PATTERN  # the one id rule (glasses_agent.identifiers); match with fullmatch
# The bridge's MQTT identity. The generated config binds every client id to its login
# (use_username_as_clientid), so the bridge's session is the agent user's and nobody else's.
RESERVED_USERS = ("agent",)


class BrokerSetupError(GlassesAgentError):
    """Provisioning or broker set-up failed; the message is one line for the user."""


@dataclass(frozen=True)
class BrokerLayout:
    """Where a broker's files live. Create with `BrokerLayout.at(folder)`."""

    root: Path

    @classmethod
    def at(cls, root: str | Path) -> "BrokerLayout":
        return cls(Path(root).resolve())

    conf = property(lambda self: self.root / "mosquitto.conf")
    passwords = property(lambda self: self.root / "passwords")
    acl = property(lambda self: self.root / "acl")
    ca_cert = property(lambda self: self.root / "ca.crt")
    ca_key = property(lambda self: self.root / "ca.key")
    server_cert = property(lambda self: self.root / "server.crt")
    server_key = property(lambda self: self.root / "server.key")
    pid_file = property(lambda self: self.root / "mosquitto.pid")
    log_file = property(lambda self: self.root / "mosquitto.log")


def validate_device_id(device_id: str) -> str:
    """`device_id` when it is a safe topic level and user name (glasses_agent.identifiers), else BrokerSetupError."""
    try:
        check_id(device_id, "device id")
    except InvalidIdError as err:
        raise BrokerSetupError(str(err)) from None
    if device_id in RESERVED_USERS:
        raise BrokerSetupError(f"bad device id {device_id!r}: reserved for the agent's bridge")
    return device_id


def _run(cmd: list[str], what: str) -> None:
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise BrokerSetupError(f"{what}: {cmd[0]} is not installed (apt-get install -y mosquitto openssl)") from None
    except subprocess.CalledProcessError as err:
        detail = (err.stderr or err.stdout or "").strip().splitlines()
        raise BrokerSetupError(f"{what} failed: {detail[-1] if detail else err}") from None


def make_certificates(layout: BrokerLayout, hostnames: tuple[str, ...] = ("localhost", "127.0.0.1")) -> None:
    """A private CA and a server certificate for `hostnames`, valid 825 days (openssl)."""
    layout.root.mkdir(parents=True, exist_ok=True)
    _run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=glasses-agent CA",
         "-keyout", str(layout.ca_key), "-out", str(layout.ca_cert)],
        "making the CA",
    )
    csr = layout.root / "server.csr"
    _run(
        ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={hostnames[0]}",
         "-keyout", str(layout.server_key), "-out", str(csr)],
        "making the server key",
    )
    alt = ",".join(f"IP:{h}" if re.match(r"^[\d.]+$|:", h) else f"DNS:{h}" for h in hostnames)
    ext = layout.root / "server.ext"
    ext.write_text(f"subjectAltName={alt}\nextendedKeyUsage=serverAuth\n")
    _run(
        ["openssl", "x509", "-req", "-in", str(csr), "-CA", str(layout.ca_cert), "-CAkey", str(layout.ca_key),
         "-CAcreateserial", "-days", "825", "-extfile", str(ext), "-out", str(layout.server_cert)],
        "signing the server certificate",
    )
    csr.unlink(missing_ok=True)
    ext.unlink(missing_ok=True)


def write_config(
    layout: BrokerLayout,
    *,
    port: int,
    tls: bool = True,
    bind: str = "127.0.0.1",
    agent_user: str = "agent",
) -> None:
    """mosquitto.conf for one listener: TLS (unless told otherwise), passwords, ACL, no anonymous."""
    layout.root.mkdir(parents=True, exist_ok=True)
    lines = [
        "# written by glasses-agent (firmware_bridge.broker); edit with care",
        "per_listener_settings false",
        "allow_anonymous false",
        f"password_file {layout.passwords}",
        f"acl_file {layout.acl}",
        "persistence false",
        f"pid_file {layout.pid_file}",
        f"log_dest file {layout.log_file}",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "max_packet_size 1048576",
        f"listener {port} {bind}",
        "protocol mqtt",
        # Client ids are the login: a device (or anyone with a password) connecting with another
        # device's id, or the bridge's, gets its own session instead of closing the victim's.
        # A listener option in Mosquitto 2: above the `listener` line it opens a default
        # listener on port 1883 instead.
        "use_username_as_clientid true",
    ]
    if tls:
        lines += [
            f"cafile {layout.ca_cert}",
            f"certfile {layout.server_cert}",
            f"keyfile {layout.server_key}",
            "tls_version tlsv1.2",
        ]
    layout.conf.write_text("\n".join(lines) + "\n")
    if not layout.passwords.exists():
        layout.passwords.write_text("")
    _write_acl(layout, agent_user)


def _write_acl(layout: BrokerLayout, agent_user: str) -> None:
    """Patterns give every device exactly its own tree; the agent user reads and writes all."""
    lines = [
        "# written by glasses-agent: per-device patterns (%u is the login name = device id)",
        f"user {agent_user}",
        "topic readwrite glasses/#",
        "",
    ]
    lines += [f"pattern write glasses/%u/{name}" for name in DEVICE_PUBLISHES]
    lines += [f"pattern read glasses/%u/{name}" for name in DEVICE_SUBSCRIBES]
    # A device reads its own retained status back (to confirm its will after reconnecting).
    lines.append("pattern read glasses/%u/status")
    layout.acl.write_text("\n".join(lines) + "\n")


def provision(layout: BrokerLayout, user: str, password: str) -> None:
    """Add or replace `user`'s password (a device id, or the agent's user name)."""
    if user != "agent":
        validate_device_id(user)
    if not layout.passwords.exists():
        layout.passwords.write_text("")
    _run(["mosquitto_passwd", "-b", str(layout.passwords), user, password], f"provisioning {user!r}")


def revoke(layout: BrokerLayout, user: str) -> None:
    _run(["mosquitto_passwd", "-D", str(layout.passwords), user], f"revoking {user!r}")


def hand_to_mosquitto_user(layout: BrokerLayout) -> None:
    """As root, mosquitto drops to user `mosquitto`, which must be able to read its files."""
    if os.geteuid() != 0:
        return
    try:
        shutil.chown(layout.root, user="mosquitto")
        for path in layout.root.iterdir():
            shutil.chown(path, user="mosquitto")
    except (LookupError, PermissionError):
        pass  # no such user: the broker runs as whoever starts it


# How long a reload waits for a broker that is still starting to catch SIGHUP.
RELOAD_WAIT_S = 10.0


def reload(layout: BrokerLayout) -> None:
    """Make a running broker re-read its password and ACL files (after provisioning).

    Mosquitto opens its listeners before it installs its signal handlers, so a broker that already
    accepts connections may still take SIGHUP's default action and exit: the signal waits, up to
    RELOAD_WAIT_S, until the broker catches it (read from /proc where there is one)."""
    try:
        pid = int(layout.pid_file.read_text().strip())
    except (OSError, ValueError):
        raise BrokerSetupError(f"no running broker found ({layout.pid_file} missing)") from None
    hand_to_mosquitto_user(layout)
    deadline = time.monotonic() + RELOAD_WAIT_S
    while (catches := _catches_sighup(pid)) is False and time.monotonic() < deadline:
        time.sleep(0.01)
    if catches is False:
        raise BrokerSetupError(f"the broker (pid {pid}) did not finish starting within {RELOAD_WAIT_S:.0f} s; "
                               "provisioned, but not reloaded")
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise BrokerSetupError(f"no running broker found (pid {pid} in {layout.pid_file} is gone)") from None


def _catches_sighup(pid: int) -> bool | None:
    """Whether process `pid` has a SIGHUP handler installed: its SigCgt mask in /proc/PID/status.
    None where that cannot be read (no /proc, or no such process: the kill then says so)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signal.SIGHUP - 1) & 1)
    return None


def run_in_foreground(layout: BrokerLayout) -> None:
    """Run Mosquitto on this layout's config until it exits (Ctrl-C and SIGTERM reach it too).

    Mosquitto writes its errors to the layout's log file, not to the terminal, so one that fails
    to start (a port in use, a certificate it cannot read) would exit without a word: its reason
    is read back from what it logged (or printed before its log was open: a pid file it cannot
    write) and raised as a one-line BrokerSetupError.
    """
    import collections
    import threading

    log_start = layout.log_file.stat().st_size if layout.log_file.exists() else 0
    try:
        proc = subprocess.Popen(["mosquitto", "-c", str(layout.conf)], stderr=subprocess.PIPE, text=True, errors="replace")
    except FileNotFoundError:
        raise BrokerSetupError("mosquitto is not installed (apt-get install -y mosquitto)") from None
    printed: collections.deque[str] = collections.deque(maxlen=5)  # kept, never left to fill the pipe
    reader = threading.Thread(target=lambda: printed.extend(line.strip() for line in proc.stderr), daemon=True)
    reader.start()
    previous = {sig: signal.signal(sig, lambda signum, _frame: proc.send_signal(signum))
                for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        while True:
            try:
                code = proc.wait()
                break
            except KeyboardInterrupt:
                continue  # Mosquitto got the same Ctrl-C and is shutting down: wait for it
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    reader.join(timeout=1.0)
    if code not in (0, -signal.SIGINT, -signal.SIGTERM):
        raise BrokerSetupError(f"mosquitto exited with status {code}: {_reason(layout, log_start, list(printed))}")


def _reason(layout: BrokerLayout, since: int, printed: list[str]) -> str:
    """The errors Mosquitto printed, or logged after byte `since` of its log, or where to look."""
    try:
        with open(layout.log_file, "rb") as f:
            f.seek(since)
            lines = printed + f.read().decode(errors="replace").splitlines()
    except OSError:
        lines = printed
    errors = [line.split(": ", 1)[-1] for line in lines if "Error" in line or "error" in line]
    if errors:
        return "; ".join(dict.fromkeys(errors[-3:]))
    return f"no reason given (see {layout.log_file})"
