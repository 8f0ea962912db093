"""Reading recordings back: `McapReplaySource` (a `FrameSource`) and its recovery warning.

Opening a file reads its index (`index.read_index`: one CRC-checked pass front to back). A
whole, clean file is then read through its summary and chunk index (seeks, little memory). A
file whose writer never finished (crash, kill, full disk, truncated copy), or one damaged
somewhere (a flipped byte), is read as far as its chunks are whole and CRC-clean: every chunk
before the first bad one. A `RecoveredRecordingWarning` says how much that was and whether the
file was unfinished or damaged. Message times are given back as the stream's `t_ns` (log time
less the recording's wall-clock offset, see `writer`).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from mcap.reader import SeekingReader
from mcap.records import Channel, Message

from streams.errors import RecordingError
from streams.frames import Frame
from streams.recording import codec
from streams.recording.index import channel_kind, channel_offset, describe_index, open_recording, read_index
from streams.recording.scan import Scan, ends_with_magic
from streams.sources.base import frame_order_key


class RecoveredRecordingWarning(UserWarning):
    """The recording was not finished cleanly; only its whole chunks were read."""


class JsonMessage(NamedTuple):
    """One JSON message of a recording channel: stamp, sequence number, decoded data."""

    t_ns: int
    seq: int
    data: Any


def _in_stamp_order(frames: Iterator[Frame]) -> Iterator[Frame]:
    """Frames arrive by log time; frames sharing a stamp go out by (source, seq), so ties never
    depend on how the writer happened to interleave channels."""
    batch: list[Frame] = []
    for frame in frames:
        if batch and frame.t_ns != batch[0].t_ns:
            batch.sort(key=frame_order_key)
            yield from batch
            batch = []
        batch.append(frame)
    batch.sort(key=frame_order_key)
    yield from batch


class McapReplaySource:
    """A recording as a `FrameSource`: every frame with its recorded `t_ns`, `seq` and `source`.

    Opening checks the file, every CRC included, and recovers an unfinished or damaged one up to
    the damage, with a `RecoveredRecordingWarning` that says which and how much;
    `frames()` can be called any number of times and yields the same frames each time, ordered
    by `frame_order_key`. Ground truth (`/truth`) comes out only with `include_truth=True`;
    stream ends (`/eos`) and JSON written with `write_json` never do. Camera JPEGs are decoded
    when their pixels are first read (`EncodedVideoFrame`); `decode_when_read=False` decodes each
    as it is read from the file (as replays did before; `bench agent` compares the two).
    """

    def __init__(self, path: str | Path, *, include_truth: bool = False, decode_when_read: bool = True) -> None:
        self.path = Path(path)
        self.include_truth = include_truth
        self.decode_when_read = decode_when_read
        self._index = read_index(self.path)
        self._kinds = {codec.VIDEO, codec.AUDIO, codec.IMU, codec.EVENT} | ({codec.TRUTH} if include_truth else set())
        note = self._index.recovered_note()
        if note is not None:
            why = "is damaged" if self._index.damaged else "was not finished (crash or truncation)"
            warnings.warn(
                f"{self.path}: recording {why}; {note}",
                RecoveredRecordingWarning,
                stacklevel=2,
            )

    @property
    def recovered(self) -> bool:
        return not self._index.complete

    @property
    def wall_clock_start_ns(self) -> int | None:
        """When the recording started by the wall clock (ns since the Unix epoch), if it says;
        a recording made from this replay keeps it, so it shows the original capture date."""
        return self._index.wall_start_ns

    @property
    def wall_clock_start_from(self) -> str | None:
        """Where the recording's start date came from, if it says (a re-recording keeps it)."""
        return self._index.wall_start_from

    def describe(self) -> dict[str, Any]:
        return describe_index(self._index, self._kinds)

    def frames(self) -> Iterator[Frame]:
        return _in_stamp_order(self._decoded(self._raw_messages(self._kinds)))

    def json_messages(self, topic: str) -> Iterator[JsonMessage]:
        """The JSON objects written to `topic` (e.g. with `McapRecorder.write_json`), by (t_ns, seq)."""
        messages = sorted(
            ((m.log_time - channel_offset(c), m.sequence, m.data) for c, m in self._raw_messages(topics={topic})),
            key=lambda item: item[:2],
        )
        for t_ns, seq, data in messages:
            try:
                yield JsonMessage(t_ns, seq, json.loads(data))
            except ValueError as err:
                raise RecordingError(f"{self.path}: {topic} at t_ns={t_ns}: not JSON: {err}") from None

    # -- internals ---------------------------------------------------------------------------

    def _raw_messages(
        self, kinds: set[str] | None = None, topics: set[str] | None = None
    ) -> Iterator[tuple[Channel, Message]]:
        """Messages of the wanted channels, by log time (file order among equal times)."""
        index = self._index
        wanted = {
            c.topic for c in index.channels.values()
            if (topics is not None and c.topic in topics)
            or (kinds is not None and channel_kind(c, index.schemas.get(c.schema_id))[0] in kinds)
        }
        if not wanted:
            return
        f, size = open_recording(self.path)
        with f:
            try:
                if index.indexed:
                    reader = SeekingReader(f, validate_crcs=True, record_size_limit=size)
                    for _, channel, message in reader.iter_messages(topics=sorted(wanted), log_time_order=True):
                        yield channel, message
                    return
                # Unfinished (or unindexed) file: no index to seek by, so read it whole and sort.
                # Memory grows with the file; only recovered files take this path.
                # The scan stops where the index's scan stopped, so the same messages come out.
                scan = Scan(f, size, finished=ends_with_magic(f, size))
                picked = [(c, m) for _, c, m in scan.messages() if c.topic in wanted]
            except RecordingError:
                raise
            except Exception as err:  # noqa: BLE001 - a damaged chunk inside a finished file
                raise RecordingError(f"{self.path}: corrupt recording: {type(err).__name__}: {err}") from None
        picked.sort(key=lambda cm: cm[1].log_time)  # stable: file order among equal stamps
        yield from picked

    def _decoded(self, messages: Iterator[tuple[Channel, Message]]) -> Iterator[Frame]:
        kinds: dict[int, tuple[str | None, str]] = {}
        for channel, message in messages:
            if channel.id not in kinds:
                kinds[channel.id] = channel_kind(channel, self._index.schemas.get(channel.schema_id))
            kind, source = kinds[channel.id]
            assert kind is not None
            t_ns = message.log_time - channel_offset(channel)
            try:
                frame = codec.decode_payload(kind, source, t_ns, message.sequence, message.data,
                                             decode_when_read=self.decode_when_read)
            except Exception as err:  # noqa: BLE001 - protobuf, JSON and OpenCV each fail their own way
                raise RecordingError(
                    f"{self.path}: {channel.topic} message at t_ns={t_ns} does not decode: {err}"
                ) from None
            yield frame
