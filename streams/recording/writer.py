"""`McapRecorder`: frames (and any JSON, such as prompts and traces) into one MCAP file.

Crash safety: messages go into compressed chunks of at most `chunk_size` bytes, and a chunk is
also closed once it spans `chunk_span_s` of stream time, so a slow channel (IMU alone) does not
sit in memory for minutes. Every finished chunk is pushed to the OS at once, so a killed process
loses only the chunk in progress; `McapReplaySource` recovers the rest of such a file.

Time: frames keep the pipeline's monotonic `t_ns`, which says nothing about the date. The file's
log times are `t_ns` plus one offset chosen at the first message so that the recording starts at
the wall clock of its capture (`start_wall_ns`, or now): Foxglove then shows when it was
recorded, not 1970. The offset is in every channel's metadata and the start in a
`glasses.recording` metadata record; readers subtract it, so replays see the original `t_ns`.
"""

from __future__ import annotations

import datetime
import json
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from foxglove_schemas_protobuf.CompressedImage_pb2 import CompressedImage
from foxglove_schemas_protobuf.RawAudio_pb2 import RawAudio
from mcap.writer import CompressionType, Writer

from streams.errors import RecordingError
from streams.frames import Frame
from streams.recording import codec

LIBRARY = "glasses-agent streams.recording"
DEFAULT_CHUNK_SIZE = 1024 * 1024
# Generated scenes start on this date (2026-01-01T00:00:00Z), so their recordings are the same
# bytes run after run; a capture from devices starts at the wall clock.
GENERATED_START_NS = 1_767_225_600 * codec.NS_PER_S
# Where a recording's start date came from (`wall_clock_start_from` in its metadata); media files
# say theirs (streams.sources.capture_date).
FROM_LIVE_CLOCK = "the wall clock when the first message was written"
FROM_GENERATED = "the fixed date of generated scenes, so their recordings are the same bytes every time"


def iso_utc(wall_ns: int) -> str:
    """A wall-clock time in ns since the Unix epoch as ISO 8601 UTC, e.g. 2026-01-01T00:00:00.000000Z."""
    stamp = datetime.datetime.fromtimestamp(wall_ns // codec.NS_PER_S, tz=datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S") + f".{wall_ns % codec.NS_PER_S // 1000:06d}Z"


class McapRecorder:
    """Writes frames to an MCAP file that Foxglove opens and `McapReplaySource` replays exactly.

    Topics: camera and microphone frames go to `/{source}` (one channel per source, e.g.
    `/camera`, `/mic`), IMU samples to `/{source}` (e.g. `/imu`), events to `/events`, ground
    truth to `/truth`, stream ends to `/eos`. Should two kinds claim one topic, the later gets
    `/{kind}/{source}`; readers go by each channel's `kind` metadata, never by the topic.

    Use as a context manager; the file is finished (index and summary written) on the way out,
    also when the block raises, so what was recorded is kept.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        profile: str = "",
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        chunk_span_s: float = 2.0,
        compression: str = "zstd",
        start_wall_ns: int | None = None,
        start_wall_from: str | None = None,
    ) -> None:
        """`start_wall_ns`: the wall clock (ns since the Unix epoch) of the first message; None
        takes the clock when the first message is written (a live capture). `start_wall_from`
        says where the date came from (a media file's creation_time, ...), kept in the metadata."""
        self.path = Path(path)
        if start_wall_ns is not None and not 0 <= start_wall_ns < 2**63:
            raise RecordingError(f"start_wall_ns {start_wall_ns} is not a time after 1970 that MCAP can hold")
        self.start_wall_ns = start_wall_ns
        self.start_wall_from = start_wall_from or (FROM_LIVE_CLOCK if start_wall_ns is None else "set by the writer")
        self._offset_ns: int | None = None
        compressions = {"zstd": CompressionType.ZSTD, "lz4": CompressionType.LZ4, "none": CompressionType.NONE}
        if compression not in compressions:
            raise RecordingError(f"unknown compression {compression!r}; expected one of {', '.join(compressions)}")
        try:
            self._file = open(self.path, "w+b")  # noqa: SIM115 - closed in close(); read back for the CRC
        except OSError as err:
            raise RecordingError(f"{self.path}: cannot write a recording here: {err.strerror or err}") from None
        self._writer = Writer(self._file, chunk_size=chunk_size, compression=compressions[compression])
        self._writer.start(profile=profile, library=LIBRARY)
        self._chunk_span_ns = int(chunk_span_s * codec.NS_PER_S)
        self._chunk_start_ns: int | None = None
        self._schemas: dict[str, int] = {}  # schema name -> id
        self._topics: dict[str, tuple[int, str]] = {}  # topic -> (channel id, schema name)
        self._frame_channels: dict[tuple[str, str], int] = {}  # (kind, source) -> channel id
        self._lock = threading.Lock()  # live sources may call write() from their own threads
        self._closed = False
        self.messages_written = 0

    # -- context manager ---------------------------------------------------------------------

    def __enter__(self) -> McapRecorder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Write the index and summary and close the file; idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._writer.finish()
                self._seal_data_section()
            except OSError as err:
                raise RecordingError(f"{self.path}: could not finish the recording: {err}") from None
            finally:
                self._file.close()

    def _seal_data_section(self) -> None:
        """Fill in the data section's CRC, which mcap's writer leaves 0: with it every byte before
        the summary is checked (message indexes and chunk headers too, not only chunk contents),
        and the summary has its own CRC, so a flipped byte anywhere is found."""
        self._file.flush()
        end = self._file.seek(0, 2)
        footer_at = end - 8 - 29  # closing magic (8) and the footer record (29)
        self._file.seek(footer_at + 9)
        summary_start = int.from_bytes(self._file.read(8), "little")
        data_end_at = summary_start - 13 if summary_start else footer_at - 13  # DataEnd: 1 + 8 + crc 4
        self._file.seek(data_end_at)
        if self._file.read(1) != b"\x0f":  # not the DataEnd record where it should be: leave it
            return
        self._file.seek(0)
        crc, left = 0, data_end_at
        while left:
            block = self._file.read(min(left, 1 << 20))
            crc, left = zlib.crc32(block, crc), left - len(block)
        self._file.seek(data_end_at + 9)
        self._file.write(crc.to_bytes(4, "little"))
        self._file.flush()

    # -- writing -----------------------------------------------------------------------------

    def write(self, frame: Frame) -> None:
        """Record one frame (any type of `streams.frames`) at its own `t_ns`."""
        kind = codec.kind_of(frame)
        payload = codec.encode_payload(frame, kind, self.wall_ns(frame.t_ns))
        # JSON payloads carry seq themselves; the protobuf ones only have MCAP's uint32 sequence.
        if kind in (codec.VIDEO, codec.AUDIO) and not 0 <= frame.seq < codec.UINT32_LIMIT:
            raise RecordingError(f"{frame.source}: seq {frame.seq} does not fit MCAP's uint32 sequence field")
        with self._lock:
            self._check_open()
            channel_id = self._frame_channel(kind, frame.source)
            self._add(channel_id, frame.t_ns, frame.seq, payload, f"{kind} {frame.source!r}")

    def wall_ns(self, t_ns: int) -> int:
        """The log time (wall clock) of stream time `t_ns`; the first call fixes the offset."""
        with self._lock:
            if self._offset_ns is None:
                self._check_open()
                self._start(t_ns)
            return t_ns + self._offset_ns  # type: ignore[operator]

    def write_protobuf(self, topic: str, t_ns: int, message: Any, *, seq: int = 0) -> None:
        """Record a protobuf message (e.g. a `foxglove.ImageAnnotations` or `foxglove.Log`) on
        `topic` at `t_ns`; its schema (the type's FileDescriptorSet) goes in with the channel.
        Timestamps inside the message are the caller's: use `wall_ns` to line them up."""
        schema_name = type(message).DESCRIPTOR.full_name
        payload = message.SerializeToString()
        with self._lock:
            self._check_open()
            if self._offset_ns is None:
                self._start(t_ns)
            channel_id = self._topic_channel(topic, schema_name, "protobuf", "protobuf",
                                             lambda: codec.protobuf_schema_data(type(message)))
            self._add(channel_id, t_ns, seq, payload, topic)

    def write_json(
        self,
        topic: str,
        t_ns: int,
        obj: Any,
        schema_name: str,
        *,
        schema: dict[str, Any] | None = None,
        seq: int = 0,
    ) -> None:
        """Record any JSON-able object (a prompt, a trace record) on `topic` at `t_ns`.

        `schema` is the channel's JSON Schema, used when the topic is first written; without
        one the channel says only "an object" (Foxglove still shows and plots every field).
        Replay does not turn these into frames; read them back with
        `McapReplaySource.json_messages(topic)`.
        """
        payload = codec.dump_json(obj, f"a message on {topic}")
        with self._lock:
            self._check_open()
            if self._offset_ns is None:
                self._start(t_ns)
            channel_id = self._topic_channel(topic, schema_name, "jsonschema", "json", lambda: json.dumps(
                schema if schema is not None else {"title": schema_name, "type": "object"}
            ).encode())
            self._add(channel_id, t_ns, seq, payload, topic)

    # -- internals (called with the lock held) ---------------------------------------------

    def _topic_channel(self, topic: str, schema_name: str, schema_encoding: str, message_encoding: str,
                       schema_data: Callable[[], bytes]) -> int:
        """The channel of an agent topic: made with its schema on first use; a later write of
        another schema on the same topic is refused."""
        if topic in self._topics:
            channel_id, existing = self._topics[topic]
            if existing != schema_name:
                raise RecordingError(f"{topic} already carries {existing}, cannot write a {schema_name} there")
            return channel_id
        schema_id = self._schema(schema_name, schema_encoding, schema_data())
        return self._channel(topic, schema_name, schema_id, message_encoding, {})

    def _check_open(self) -> None:
        if self._closed:
            raise RecordingError(f"{self.path}: the recorder is closed")

    def _start(self, t_ns: int) -> None:
        """Fix the log-time offset at the first message and say when the recording began."""
        wall = self.start_wall_ns if self.start_wall_ns is not None else time.time_ns()
        self._offset_ns = wall - t_ns
        try:
            self._writer.add_metadata(codec.START_METADATA, {
                "wall_clock_start_ns": str(wall),
                "wall_clock_start": iso_utc(wall),
                "wall_clock_start_from": self.start_wall_from,
                "first_t_ns": str(t_ns),
                codec.LOG_TIME_OFFSET: str(self._offset_ns),
            })
        except OSError as err:
            raise RecordingError(f"{self.path}: writing failed: {err.strerror or err}") from None

    def _add(self, channel_id: int, t_ns: int, seq: int, payload: bytes, what: str) -> None:
        if self._offset_ns is None:
            self._start(t_ns)
        log_time = t_ns + self._offset_ns  # type: ignore[operator]
        if not 0 <= log_time < 2**64:
            raise RecordingError(f"{what}: t_ns {t_ns} is outside MCAP's unsigned 64-bit time")
        sequence = seq if 0 <= seq < codec.UINT32_LIMIT else 0
        if self._chunk_start_ns is None:
            self._chunk_start_ns = t_ns
        position = self._file.tell()
        try:
            self._writer.add_message(channel_id, log_time=log_time, data=payload, publish_time=log_time,
                                     sequence=sequence)
            if abs(t_ns - self._chunk_start_ns) >= self._chunk_span_ns:
                self._writer.flush()  # closes the chunk in progress and flushes the file
                self._chunk_start_ns = None
            elif self._file.tell() != position:
                # The writer just closed a full chunk: hand it to the OS so a crash cannot lose it.
                self._file.flush()
                self._chunk_start_ns = None
        except OSError as err:
            raise RecordingError(f"{self.path}: writing failed: {err.strerror or err}") from None
        self.messages_written += 1

    def _schema(self, name: str, encoding: str, data: bytes) -> int:
        if name not in self._schemas:
            self._schemas[name] = self._writer.register_schema(name=name, encoding=encoding, data=data)
        return self._schemas[name]

    def _channel(self, topic: str, schema_name: str, schema_id: int, encoding: str, metadata: dict[str, str]) -> int:
        # Channels are registered by the message that first uses them, after the offset is fixed.
        metadata = {**metadata, codec.LOG_TIME_OFFSET: str(self._offset_ns or 0)}
        channel_id = self._writer.register_channel(
            topic=topic, message_encoding=encoding, schema_id=schema_id, metadata=metadata
        )
        self._topics[topic] = (channel_id, schema_name)
        return channel_id

    def _frame_channel(self, kind: str, source: str) -> int:
        # Events, truth and stream ends share one channel each (source is in the payload);
        # camera, microphone and IMU get one channel per source.
        shared = {codec.EVENT: "/events", codec.TRUTH: "/truth", codec.EOS: "/eos"}
        key = (kind, "" if kind in shared else source)
        if key in self._frame_channels:
            return self._frame_channels[key]
        if kind == codec.VIDEO:
            schema_name, encoding = codec.IMAGE_SCHEMA, "protobuf"
            schema_id = self._schema(schema_name, "protobuf", codec.protobuf_schema_data(CompressedImage))
        elif kind == codec.AUDIO:
            schema_name, encoding = codec.AUDIO_SCHEMA, "protobuf"
            schema_id = self._schema(schema_name, "protobuf", codec.protobuf_schema_data(RawAudio))
        else:
            schema_name, encoding = {
                codec.IMU: codec.IMU_SCHEMA, codec.EVENT: codec.EVENT_SCHEMA,
                codec.TRUTH: codec.TRUTH_SCHEMA, codec.EOS: codec.EOS_SCHEMA,
            }[kind], "json"
            schema_id = self._schema(schema_name, "jsonschema", json.dumps(codec.JSON_SCHEMAS[schema_name]).encode())
        topic = shared.get(kind, f"/{source}")
        if topic in self._topics:
            topic = f"/{kind}/{source}" if kind not in shared else f"/{kind}"
        if topic in self._topics:
            raise RecordingError(f"cannot find a free topic for {kind} {source!r}: {topic} is taken")
        metadata = {"kind": kind} if kind in shared else {"kind": kind, "source": source}
        channel_id = self._channel(topic, schema_name, schema_id, encoding, metadata)
        self._frame_channels[key] = channel_id
        return channel_id
