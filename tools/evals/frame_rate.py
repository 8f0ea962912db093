"""The tick rate a clip is judged at: the pipeline's rate, or the clip's own where that is lower.

A 3 frames/s clip (IntPhys-style renders, GIFs) ticked at 10 Hz shows each frame to the models three
or four times, so two of every three ticks see no change and mean surprise is diluted by a rate the
clip does not have. Ticking at the clip's own rate gives one new frame a tick, as a 10 Hz clip gets.
"""

from __future__ import annotations

from pathlib import Path

from streams.errors import StreamError


def tick_hz_for(path: Path, default: float = 10.0) -> float:
    """min(default, the clip's video frame rate); `default` for recordings and clips that do not say."""
    path = Path(path)
    if path.suffix.lower() == ".mcap":
        return default
    from streams.sources.media_file import MediaFileSource

    try:
        fps = MediaFileSource(path).describe().get("fps")
    except StreamError:
        return default  # the reader reports an unreadable clip itself, in one line
    return min(default, float(fps)) if fps and fps > 0 else default
