"""The streaming substrate: frames, clocks, channels, sources, sync, recording, pipeline.

Knows nothing of the agent (no torch, no MQTT, no Textual), so it stays light to import.
"""

from streams.clock import Clock, RealClock, VirtualClock
from streams.frames import (
    AudioChunk,
    EndOfStream,
    Event,
    Frame,
    ImuSample,
    TruthEvent,
    VideoFrame,
)

__all__ = [
    "AudioChunk",
    "Clock",
    "EndOfStream",
    "Event",
    "Frame",
    "ImuSample",
    "RealClock",
    "TruthEvent",
    "VideoFrame",
    "VirtualClock",
]
