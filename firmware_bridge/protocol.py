"""The wire protocol's constants: topics, QoS, expiry, size limits, the version.

docs/protocol.md is the same contract in prose for firmware engineers; the JSON Schemas in
firmware_bridge/schemas/ are the payloads. Change all three together.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware_bridge.broker import DEVICE_ID_PATTERN

PROTOCOL_VERSION = 1
TOPIC_ROOT = "glasses"

# Audio: one format in version 1, so the agent never resamples on a device's behalf.
AUDIO_SAMPLE_RATE = 16_000
AUDIO_MAX_CHUNK_MS = 500

# Size limits (bytes). The broker refuses any packet over 1 MiB (max_packet_size).
MAX_JPEG_BYTES = 512 * 1024
MAX_AUDIO_BYTES = AUDIO_SAMPLE_RATE * 2 * AUDIO_MAX_CHUNK_MS // 1000
MAX_JSON_BYTES = 4096
MAX_JSON_DEPTH = 8  # arrays/objects nested deeper are refused before parsing (bad_json)
MAX_IMAGE_SIDE = 1920
MIN_IMAGE_SIDE = 16

# Stamps further than this from the agent's clock mean the device skipped the time exchange.
MAX_CLOCK_SKEW_NS = 30 * 1_000_000_000


@dataclass(frozen=True)
class TopicSpec:
    """One topic of the protocol under glasses/{device_id}/: direction, QoS, expiry, retained, binary or
    JSON and its schema."""
    name: str  # the part after glasses/{device_id}/
    direction: str  # "up" (device -> agent) or "down" (agent -> device)
    qos: int
    expiry_s: int | None  # MQTT v5 message expiry interval; None: never expires
    retained: bool = False
    binary: bool = False  # raw bytes with metadata in user properties; JSON otherwise
    schema: str | None = None  # file name in firmware_bridge/schemas/


TOPICS: dict[str, TopicSpec] = {
    t.name: t
    for t in (
        TopicSpec("camera", "up", 0, 1, binary=True, schema="camera.properties.json"),
        TopicSpec("audio", "up", 0, 2, binary=True, schema="audio.properties.json"),
        TopicSpec("imu", "up", 0, 1, schema="imu.json"),
        TopicSpec("telemetry", "up", 0, 30, schema="telemetry.json"),
        TopicSpec("button", "up", 1, 10, schema="button.json"),
        TopicSpec("feedback", "up", 1, None, schema="feedback.json"),
        TopicSpec("status", "up", 1, None, retained=True, schema="status.json"),
        TopicSpec("ack", "up", 1, None, schema="ack.json"),
        TopicSpec("time/request", "up", 0, 5, schema="time_request.json"),
        TopicSpec("prompt", "down", 1, None, schema="prompt.json"),  # expiry set per prompt from ttl_ms
        TopicSpec("config", "down", 1, None, retained=True, schema="config.json"),
        TopicSpec("error", "down", 0, 60, schema="error.json"),
        TopicSpec("time/reply", "down", 0, 5, schema="time_reply.json"),
    )
}
UP_TOPICS = tuple(n for n, t in TOPICS.items() if t.direction == "up")
DOWN_TOPICS = tuple(n for n, t in TOPICS.items() if t.direction == "down")

ACK_STATES = ("displayed", "dismissed", "helpful")
FEEDBACK_LABELS = ("helpful", "dismissed")


def topic(device_id: str, name: str) -> str:
    return f"{TOPIC_ROOT}/{device_id}/{name}"


def parse_topic(text: str) -> tuple[str | None, str]:
    """`glasses/dev1/time/request` -> ("dev1", "time/request"); device None when malformed."""
    parts = text.split("/", 2)
    if len(parts) != 3 or parts[0] != TOPIC_ROOT or not DEVICE_ID_PATTERN.fullmatch(parts[1]):
        return None, text
    return parts[1], parts[2]
