"""`McapRecorder`: frames (and any JSON, such as prompts and traces) into one MCAP file.

Crash safety: messages go into compressed chunks of at most `chunk_size` bytes, and a chunk is
also closed once it spans `chunk_span_s` of stream time, so a slow channel (IMU alone) does not
sit in memory for minutes. Every finished chunk is pushed to the OS at once, so a killed process
loses only the chunk in progress; `McapReplaySource` recovers the rest of such a file.
"""

from __future__ import annotations

import json
import threading
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
    ) -> None:
        self.path = Path(path)
        compressions = {"zstd": CompressionType.ZSTD, "lz4": CompressionType.LZ4, "none": CompressionType.NONE}
        if compression not in compressions:
            raise RecordingError(f"unknown compression {compression!r}; expected one of {', '.join(compressions)}")
        try:
            self._file = open(self.path, "wb")  # noqa: SIM115 - closed in close()
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
            except OSError as err:
                raise RecordingError(f"{self.path}: could not finish the recording: {err}") from None
            finally:
                self._file.close()

    # -- writing -----------------------------------------------------------------------------

    def write(self, frame: Frame) -> None:
        """Record one frame (any type of `streams.frames`) at its own `t_ns`."""
        kind = codec.kind_of(frame)
        payload = codec.encode_payload(frame, kind)
        # JSON payloads carry seq themselves; the protobuf ones only have MCAP's uint32 sequence.
        if kind in (codec.VIDEO, codec.AUDIO) and not 0 <= frame.seq < codec.UINT32_LIMIT:
            raise RecordingError(f"{frame.source}: seq {frame.seq} does not fit MCAP's uint32 sequence field")
        with self._lock:
            self._check_open()
            channel_id = self._frame_channel(kind, frame.source)
            self._add(channel_id, frame.t_ns, frame.seq, payload, f"{kind} {frame.source!r}")

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
            if topic in self._topics:
                channel_id, existing = self._topics[topic]
                if existing != schema_name:
                    raise RecordingError(f"{topic} already carries {existing}, cannot write a {schema_name} there")
            else:
                schema_id = self._schema(schema_name, "jsonschema", json.dumps(
                    schema if schema is not None else {"title": schema_name, "type": "object"}
                ).encode())
                channel_id = self._channel(topic, schema_name, schema_id, "json", {})
            self._add(channel_id, t_ns, seq, payload, topic)

    # -- internals (called with the lock held) ---------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RecordingError(f"{self.path}: the recorder is closed")

    def _add(self, channel_id: int, t_ns: int, seq: int, payload: bytes, what: str) -> None:
        if not 0 <= t_ns < 2**64:
            raise RecordingError(f"{what}: t_ns {t_ns} is outside MCAP's unsigned 64-bit time")
        sequence = seq if 0 <= seq < codec.UINT32_LIMIT else 0
        if self._chunk_start_ns is None:
            self._chunk_start_ns = t_ns
        position = self._file.tell()
        try:
            self._writer.add_message(channel_id, log_time=t_ns, data=payload, publish_time=t_ns, sequence=sequence)
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
