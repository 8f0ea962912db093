"""What a recording holds, read once: `read_index`, `recording_info` and the recovery they do.

Opening a file reads it once front to back (`scan.Scan`), checking every chunk's CRC, and keeps
what it found in a `RecordingIndex`: channels, counts, time range, whether the summary can be
trusted (then the reader seeks by it) and, for a file cut short or damaged, how far its chunks
are whole and CRC-clean and what stopped the read. Anything that is not MCAP at all raises
`RecordingError` with one line, never a library traceback. `reader.McapReplaySource` replays
the messages this index found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from mcap.reader import SeekingReader
from mcap.records import Channel, Header, Schema
from mcap.stream_reader import StreamReader

from streams.errors import RecordingError
from streams.recording import codec
from streams.recording.scan import FOOTER_AND_MAGIC, MCAP_MAGIC, Scan, ends_with_magic, summary_crc_ok
from streams.recording.writer import iso_utc

_HEADER_OPCODE = 0x01
_YEAR_2000_NS = 946_684_800 * codec.NS_PER_S  # log times before this are not wall-clock dates


@dataclass
class RecordingIndex:
    """What a recording holds, from its summary or, failing that, from one front-to-back read."""

    path: Path
    size: int
    header: Header
    schemas: dict[int, Schema] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)
    start_ns: int | None = None
    end_ns: int | None = None
    indexed: bool = False  # finished, with a chunk index: read by seeking
    complete: bool = True  # reached the footer; False means recovered
    good_bytes: int = 0  # for a recovered file: where the last whole chunk ends
    stopped_by: str = ""  # for a recovered file: why reading stopped there
    damaged: bool = False  # a CRC mismatch or a record that does not parse (not just an early end)
    summary_note: str = ""  # what was wrong with the summary, when it was not used
    expected_messages: int | None = None  # what a finished file's summary counts (None: unknown)
    crc: dict[str, Any] = field(default_factory=dict)  # what the CRC checks covered
    offset_ns: int = 0  # log time - t_ns (the recording's wall-clock offset; 0 in older files)
    wall_start_ns: int | None = None  # the wall clock of the first message, when the file says
    wall_start_from: str | None = None  # where that date came from, when the file says

    @property
    def messages(self) -> int:
        return sum(self.counts.values())

    @property
    def duration_s(self) -> float:
        return 0.0 if self.start_ns is None else (self.end_ns - self.start_ns) / codec.NS_PER_S  # type: ignore[operator]

    def recovered_note(self) -> str | None:
        if self.complete:
            return None
        how = f"damaged at byte {self.good_bytes} ({self.stopped_by})" if self.damaged else "not finished"
        return (
            f"{how}: recovered {self.messages} of {self.expected_messages or '?'} messages, {self.duration_s:.1f} s, "
            f"up to byte {self.good_bytes} of {self.size}"
        )

    def crc_note(self) -> str:
        """What the CRC checks covered, in words (`info` prints it)."""
        c = self.crc
        parts = [f"{c.get('chunks_checked', 0)} chunks checked"]
        if c.get("chunks_unchecked"):
            parts.append(f"{c['chunks_unchecked']} chunks without a CRC (not checked)")
        parts.append(f"data section CRC {c.get('data_section', 'not reached')}")
        parts.append(f"summary CRC {c.get('summary', 'not checked')}")
        if self.damaged:
            parts.append(f"stopped by {self.stopped_by} at byte {self.good_bytes}")
        return ", ".join(parts)


def channel_kind(channel: Channel, schema: Schema | None) -> tuple[str | None, str]:
    """(frame kind or None for non-frame channels such as prompts, source name for per-source channels)."""
    kind = channel.metadata.get("kind") or codec.KIND_BY_SCHEMA.get(schema.name if schema else "")
    if kind not in codec.FRAME_KINDS:
        return None, ""
    return kind, channel.metadata.get("source") or channel.topic.strip("/") or channel.topic


def open_recording(path: Path) -> tuple[IO[bytes], int]:
    if not path.exists():
        raise RecordingError(f"{path}: no such recording")
    if path.is_dir():
        raise RecordingError(f"{path}: is a folder, expected an MCAP recording")
    try:
        f = open(path, "rb")  # noqa: SIM115 - the caller closes it
    except OSError as err:
        raise RecordingError(f"{path}: cannot read: {err.strerror or err}") from None
    size = path.stat().st_size
    if size == 0:
        f.close()
        raise RecordingError(f"{path}: empty file, not an MCAP recording")
    start = f.read(len(MCAP_MAGIC))
    if start != MCAP_MAGIC:
        f.close()
        if MCAP_MAGIC.startswith(start):
            raise RecordingError(f"{path}: truncated to {size} bytes, before the end of the MCAP magic")
        raise RecordingError(f"{path}: not an MCAP recording (it does not start with the MCAP magic bytes)")
    f.seek(0)
    return f, size


def _read_header(path: Path, f: IO[bytes], size: int) -> tuple[Header, int]:
    f.seek(len(MCAP_MAGIC))
    head = f.read(9)
    if len(head) == 9 and head[0] != _HEADER_OPCODE:
        raise RecordingError(f"{path}: damaged MCAP header: the file does not begin with a header record")
    claimed_end = len(MCAP_MAGIC) + 9 + int.from_bytes(head[1:], "little") if len(head) == 9 else None
    f.seek(0)
    try:
        record = next(StreamReader(f, record_size_limit=size).records)
    except Exception:  # noqa: BLE001 - a bad header fails inside mcap in several ways
        # Cut short only if the file ends where the header says it goes on (and the writer never
        # closed it); a header that does not parse within its own length is damage.
        if claimed_end is None or (claimed_end > size and not ends_with_magic(f, size)):
            raise RecordingError(f"{path}: truncated at {size} bytes, inside its MCAP header") from None
        raise RecordingError(f"{path}: damaged MCAP header: it does not read as a header record") from None
    if not isinstance(record, Header):
        raise RecordingError(f"{path}: damaged MCAP header: the file does not begin with a header record")
    return record, f.tell()


def _read_summary(index: RecordingIndex, f: IO[bytes]) -> bool:
    """Fill `index` from the summary section; False if there is none to trust (unfinished file)."""
    if index.size < len(MCAP_MAGIC) + FOOTER_AND_MAGIC:
        return False
    if not ends_with_magic(f, index.size):
        return False
    crc_ok = summary_crc_ok(f, index.size)
    index.crc["summary"] = {None: "absent", True: "ok", False: "mismatch"}[crc_ok]
    if crc_ok is False:
        index.summary_note = "its summary is damaged (CRC mismatch)"
        return False
    f.seek(0)  # SeekingReader checks the leading magic where the stream stands
    try:
        summary = SeekingReader(f, record_size_limit=index.size).get_summary()
    except Exception:  # noqa: BLE001 - a damaged tail: fall back to reading front to back
        return False
    if summary is None or summary.statistics is None or not summary.chunk_indexes:
        return False
    index.schemas, index.channels = dict(summary.schemas), dict(summary.channels)
    index.expected_messages = summary.statistics.message_count
    return True


def channel_offset(channel: Channel) -> int:
    """log time - t_ns on this channel (the recording's wall-clock offset; 0 when absent)."""
    try:
        return int(channel.metadata.get(codec.LOG_TIME_OFFSET, 0))
    except ValueError:
        return 0


def read_index(path: Path) -> RecordingIndex:
    f, size = open_recording(path)
    with f:
        header, header_end = _read_header(path, f, size)
        index = RecordingIndex(path=path, size=size, header=header, good_bytes=header_end)
        summary_ok = _read_summary(index, f)
        # One CRC-checked pass front to back: the counts, and where (if anywhere) the file is bad.
        scan = Scan(f, size, finished=ends_with_magic(f, size))
        first_log: int | None = None
        for schema, channel, message in scan.messages():
            if channel.id not in index.channels:
                index.channels[channel.id] = channel
            if schema is not None and schema.id not in index.schemas:
                index.schemas[schema.id] = schema
            index.counts[channel.id] = index.counts.get(channel.id, 0) + 1
            offset = channel_offset(channel)
            t = message.log_time - offset
            if index.start_ns is None or t < index.start_ns:
                index.start_ns, first_log, index.offset_ns = t, message.log_time, offset
            index.end_ns = t if index.end_ns is None else max(index.end_ns, t)
        if scan.complete and not scan.finished:
            scan.damaged, scan.stopped_by = True, "the closing magic bytes are wrong"
        index.complete = scan.complete and not scan.damaged
        index.good_bytes = scan.good_bytes if not index.complete else size
        index.stopped_by, index.damaged = scan.stopped_by, scan.damaged
        index.indexed = summary_ok and index.complete
        if index.summary_note and index.complete:
            index.damaged, index.stopped_by = True, index.summary_note  # every message read; the index is bad
        index.crc.update(chunks_checked=scan.chunks_checked, chunks_unchecked=scan.chunks_unchecked,
                         data_section=scan.data_crc)
        started = scan.metadata.get(codec.START_METADATA, {})
        if started.get("wall_clock_start_ns", "").isdigit():
            index.wall_start_ns = int(started["wall_clock_start_ns"])
            index.wall_start_from = started.get("wall_clock_start_from") or None
        elif first_log is not None and (index.offset_ns or first_log >= _YEAR_2000_NS):
            index.wall_start_ns = first_log  # other writers log the wall clock itself
        return index


def describe_index(index: RecordingIndex, frame_kinds: Iterable[str]) -> dict[str, Any]:
    wanted = set(frame_kinds)
    channels = []
    frames = 0
    for cid, channel in sorted(index.channels.items()):
        schema = index.schemas.get(channel.schema_id)
        kind, source = channel_kind(channel, schema)
        if kind in (codec.EVENT, codec.TRUTH, codec.EOS):
            source = ""  # shared channels: each message names its own source
        count = index.counts.get(cid, 0)
        if kind in wanted:
            frames += count
        channels.append({
            "topic": channel.topic,
            "schema": schema.name if schema else "",
            "encoding": channel.message_encoding,
            "schema_encoding": schema.encoding if schema else "",
            "kind": kind or "",
            "source": source,
            "messages": count,
        })
    return {
        "path": str(index.path),
        "format": "mcap",
        "profile": index.header.profile,
        "library": index.header.library,
        "size_bytes": index.size,
        "channels": channels,
        "messages": index.messages,
        "frames": frames,
        "start_ns": index.start_ns,
        "end_ns": index.end_ns,
        "duration_s": index.duration_s,
        "wall_clock_start_ns": index.wall_start_ns,
        "wall_clock_start": iso_utc(index.wall_start_ns) if index.wall_start_ns is not None else None,
        "wall_clock_start_from": index.wall_start_from,
        "log_time_offset_ns": index.offset_ns,
        "crc": index.crc_note(),
        "damaged": index.damaged,
        "summary_note": index.summary_note or None,
        "recovered": not index.complete,
        "recovered_note": index.recovered_note(),
        "recovered_bytes": None if index.complete else index.good_bytes,
        "recovery_stopped_by": None if index.complete else index.stopped_by,  # what the first bad record raised
    }


def recording_info(path: str | Path) -> dict[str, Any]:
    """Channels (topic, schema, encoding, message count), time range, duration, and whether the
    file had to be recovered (then `recovered_note` says how much). For `glasses-agent info`;
    it reports recovery in its result rather than as a warning."""
    index = read_index(Path(path))
    return describe_index(index, codec.FRAME_KINDS)
