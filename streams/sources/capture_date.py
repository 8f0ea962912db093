"""When a media file was captured, by the wall clock: what a recording imported from it starts at.

A camera or phone writes the moment it started recording into the container (`creation_time`,
ISO 8601 UTC in FFmpeg's metadata); that is the capture date. A file without one (a screen
capture, a file re-encoded without its metadata) has only its modification time, which is when
it was last written: usually the end of the recording, or when it was copied. Which of the two a
date came from travels with it, so a reader can tell a camera's clock from a file system's.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from streams.frames import NS_PER_S

FROM_CREATION_TIME = "the media file's creation_time"
FROM_MODIFICATION_TIME = "the media file's modification time (it has no creation_time)"


def parse_creation_time(text: str | None) -> int | None:
    """A container's `creation_time` (e.g. "2024-05-01T10:20:30.000000Z") in ns since the Unix
    epoch; None when absent, unreadable, or not after 1970 (MP4 stores "not set" as 0, which
    FFmpeg shows as 1904 or 1970)."""
    if not text or not text.strip():
        return None
    try:
        stamp = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:  # FFmpeg writes UTC; a bare time is taken as UTC too
        stamp = stamp.replace(tzinfo=datetime.timezone.utc)
    wall_ns = (int(stamp.timestamp()) * NS_PER_S) + stamp.microsecond * 1000
    return wall_ns if wall_ns > 0 else None


def capture_start(path: Path, creation_time: str | None) -> tuple[int, str]:
    """(wall clock ns, where it came from) of a media file's first frame: its container's
    `creation_time` when it has a usable one, else the file's modification time."""
    created = parse_creation_time(creation_time)
    if created is not None:
        return created, FROM_CREATION_TIME
    return path.stat().st_mtime_ns, FROM_MODIFICATION_TIME
