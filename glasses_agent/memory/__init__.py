"""Memory: short-term (the last seconds, in RAM) and persistent (SQLite, per wearer).

Light on purpose: no torch, and OpenCV only when a wearer who opted in keeps a frame, so any
process (the agent, the CLI, a test's child) can write memory cheaply.
"""

from glasses_agent.memory.database import default_memory_path
from glasses_agent.memory.describe import clock_hour, clock_phrase
from glasses_agent.memory.errors import (
    FramesNotKeptError,
    InvalidValueError,
    MemoryStoreError,
    NoDatabaseError,
    SchemaError,
    UnknownNameError,
)
from glasses_agent.memory.migrations import CURRENT_VERSION
from glasses_agent.memory.records import Enrollment, Feedback, LabelSummary, Sighting, Thumbnail
from glasses_agent.memory.short_term import Entry, ShortTermMemory
from glasses_agent.memory.store import MemoryStore

__all__ = [
    "CURRENT_VERSION",
    "Enrollment",
    "Entry",
    "Feedback",
    "FramesNotKeptError",
    "InvalidValueError",
    "LabelSummary",
    "MemoryStore",
    "MemoryStoreError",
    "NoDatabaseError",
    "SchemaError",
    "ShortTermMemory",
    "Sighting",
    "Thumbnail",
    "UnknownNameError",
    "clock_hour",
    "clock_phrase",
    "default_memory_path",
]
