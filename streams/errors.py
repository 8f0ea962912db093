"""Errors that users see as one clear line (the CLI prints `str(err)` and exits non-zero)."""


class StreamError(Exception):
    """Base for every error the substrate raises on bad input or a failing device."""


class SourceError(StreamError):
    """A source cannot be opened or stopped delivering (missing file, unknown device, dead camera)."""


class RecordingError(StreamError):
    """A recording cannot be read or written (not MCAP, corrupt beyond recovery, wrong channels)."""
