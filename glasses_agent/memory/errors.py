"""Errors of the memory store. Each message is one line a person can act on.

The command line catches `MemoryStoreError` and prints its message as one line; nothing here
carries a traceback-worthy payload.
"""

from __future__ import annotations

from glasses_agent.errors import GlassesAgentError


class MemoryStoreError(GlassesAgentError):
    """Base for everything the memory store refuses or cannot do."""


class UnknownNameError(MemoryStoreError):
    """Nothing is remembered under that name (no enrollment, no sightings) for this wearer."""


class FramesNotKeptError(MemoryStoreError):
    """A frame was offered for keeping, but the wearer has not opted in to keeping frames."""


class SchemaError(MemoryStoreError):
    """The database's schema is newer than this code, or a migration failed (and was rolled back)."""


class NoDatabaseError(MemoryStoreError):
    """The store was opened with create=False and there is no database at that path."""


class InvalidValueError(MemoryStoreError, ValueError):
    """An argument the store cannot keep (a box outside the view, a prototype of the wrong size...)."""
