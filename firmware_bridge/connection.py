"""Where and how to reach the broker: `mqtts://user:password@host:port`, TLS unless told otherwise.

TLS is the default: a URL without a scheme means `mqtts`, and plain `mqtt://` is accepted only
for a loopback broker (development) unless `allow_plaintext` says so explicitly. The password
may come from the URL, or (to keep it out of `ps`) from $GLASSES_AGENT_MQTT_PASSWORD.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from glasses_agent.errors import GlassesAgentError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class BridgeError(GlassesAgentError):
    """A bridge or emulator problem the user can fix (bad URL, refused login, missing CA)."""


@dataclass(frozen=True)
class BrokerAddress:
    """Where and how to reach the broker: host, port, TLS, login and the CA that signs the broker's
    certificate."""
    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None

    def tls_context(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        ctx = ssl.create_default_context(cafile=self.ca_file) if self.ca_file else ssl.create_default_context()
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        return ctx

    def client(self, identifier: str, timeout: float = 10.0, **kwargs):  # noqa: ANN003, ANN201
        """An aiomqtt client (MQTT v5). Build it inside the coroutine that uses it."""
        import aiomqtt
        from paho.mqtt.enums import MQTTProtocolVersion

        return aiomqtt.Client(
            self.host, self.port, username=self.username, password=self.password, identifier=identifier,
            protocol=MQTTProtocolVersion.MQTTv5, tls_context=self.tls_context(), timeout=timeout, **kwargs,
        )


def parse_url(url: str, *, ca_file: str | None = None, allow_plaintext: bool = False) -> BrokerAddress:
    if "://" not in url:
        url = "mqtts://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts"):
        raise BridgeError(f"broker URL must start with mqtts:// (or mqtt:// for a local test broker), got {url!r}")
    try:
        port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
    except ValueError:
        raise BridgeError(f"bad port in broker URL {url!r}") from None
    host = parts.hostname
    if not host:
        raise BridgeError(f"no host in broker URL {url!r}")
    tls = parts.scheme == "mqtts"
    if not tls and host not in LOOPBACK and not allow_plaintext:
        raise BridgeError(f"refusing plain MQTT to {host}: use mqtts:// (TLS), or --allow-plaintext on a trusted network")
    if ca_file is not None and not os.path.isfile(ca_file):
        raise BridgeError(f"CA file {ca_file} does not exist")
    password = unquote(parts.password) if parts.password else os.environ.get("GLASSES_AGENT_MQTT_PASSWORD")
    return BrokerAddress(host, port, tls, unquote(parts.username) if parts.username else None, password, ca_file)


def is_refused_login(err: BaseException) -> bool:
    """The broker said no to these credentials: retrying cannot help."""
    text = str(err).lower()
    return "not authorized" in text or "bad user name or password" in text


def first_connection_failed(address: "BrokerAddress", err: BaseException) -> BridgeError:
    """The error for a broker never reached: a service told not to wait for it stops with this
    (a typo in the URL should not look like a broker that is merely down)."""
    return BridgeError(f"cannot reach the broker at {address.host}:{address.port}: {describe_mqtt_error(err)}"
                       " (start it first, or pass --retry to keep trying)")


def describe_mqtt_error(err: BaseException) -> str:
    """One line for a failed connection: refused login, TLS trouble, nobody listening."""
    text = str(err)
    lowered = text.lower()
    if is_refused_login(err):
        return f"the broker refused the login (wrong user or password): {text}"
    if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
        return f"TLS failed (CA file? server name?): {text}"
    return text or type(err).__name__
