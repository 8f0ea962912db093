"""One front-to-back pass over an MCAP file that checks every CRC it carries and stops at damage.

`Scan.messages()` yields (schema, channel, message) from each chunk once that chunk is whole
and its CRC matches, so a reader gets every chunk before the first damaged (or missing) one and
never a garbage message. Afterwards the scan says how far it got (`good_bytes`), why it stopped
(`stopped_by`), whether what stopped it was damage rather than a file that simply ends early
(`damaged`), and what it checked: chunks with a CRC, chunks without one, the data section's CRC.
The `glasses.recording` metadata record (when the recording started) is kept in `metadata`.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import IO

from mcap.data_stream import RecordBuilder
from mcap.exceptions import EndOfFile
from mcap.opcode import Opcode
from mcap.records import Channel, Chunk, DataEnd, Footer, Message, Metadata, Schema
from mcap.stream_reader import CRCValidationError, StreamReader, breakup_chunk

MCAP_MAGIC = b"\x89MCAP0\r\n"
# Footer record: opcode (1) + length (8) + summary start (8) + summary offset start (8) + crc (4).
FOOTER_AND_MAGIC = 29 + len(MCAP_MAGIC)
# mcap's reader skips records of an unknown opcode without a word (forward compatibility); in a
# file of ours an unknown opcode is a flipped byte, and skipping it would drop a whole chunk and
# read on past the gap, so the scan stops there instead.
KNOWN_OPCODES = frozenset(int(op) for op in Opcode)


class Scan:
    """Reads `f` (positioned anywhere; it seeks to 0) of `size` bytes; see the module docstring."""

    def __init__(self, f: IO[bytes], size: int, *, finished: bool) -> None:
        self._f, self._size = f, size
        self.finished = finished  # the file ends with the MCAP magic: its writer closed it
        self.good_bytes = 0
        self.complete = False  # the footer was reached
        self.stopped_by = ""
        self.damaged = False
        self.chunks_checked = 0
        self.chunks_unchecked = 0  # chunks written without a CRC (other writers may leave it 0)
        self.data_crc = "not reached"  # "ok", "absent" (written as 0) or "not reached"
        self.metadata: dict[str, dict[str, str]] = {}

    def messages(self) -> Iterator[tuple[Schema | None, Channel, Message]]:
        self._f.seek(0)
        reader = StreamReader(self._f, emit_chunks=True, validate_crcs=True, record_size_limit=self._size)
        schemas: dict[int, Schema] = {}
        channels: dict[int, Channel] = {}
        records = reader.records
        data_ended = False
        record_start: int | None = None  # where the next record begins (known after the header)
        while True:
            declared = self._next_record_head() if record_start is not None else None
            if declared is not None and declared[0] not in KNOWN_OPCODES:
                self._stop(ValueError(f"a record of unknown opcode 0x{declared[0]:02x} at byte {record_start}"))
                return
            try:
                record = next(records)
                inner = [record]
                if isinstance(record, Chunk):
                    # Checked before any of its messages goes out: a damaged chunk yields nothing.
                    inner = breakup_chunk(record, validate_crc=True)
                    if record.uncompressed_crc:
                        self.chunks_checked += 1
                    else:
                        self.chunks_unchecked += 1
            except StopIteration:
                self.complete, self.good_bytes = True, self._size
                return
            except Exception as err:  # noqa: BLE001 - mcap, zstd and lz4 each fail their own way
                self._stop(err)
                return
            if declared is not None and not isinstance(record, Footer) and (
                    held := _encoded_size(record)) != (claimed := 9 + declared[1]):
                # mcap's reader skips whatever a record's length claims beyond its fields, and reads on
                # past it when a field's own length is flipped larger: either way it would step
                # silently over the chunks behind it.
                self._stop(ValueError(f"the record at byte {record_start} claims {claimed} bytes but holds {held}"))
                return
            record_start = self._f.tell()
            if isinstance(record, DataEnd):
                data_ended = True
                self.data_crc = "ok" if record.data_section_crc else "absent"  # a wrong one raised above
            elif isinstance(record, Metadata):
                self.metadata[record.name] = dict(record.metadata)
            elif isinstance(record, Footer):
                self.complete, self.good_bytes = True, self._size
                return
            if data_ended:
                self.good_bytes = self._f.tell()
                continue  # the summary repeats schemas and channels; the messages are behind us
            for item in inner:
                if isinstance(item, Schema):
                    schemas[item.id] = item
                elif isinstance(item, Channel):
                    channels[item.id] = item
                elif isinstance(item, Message):
                    channel = channels.get(item.channel_id)
                    if channel is None:
                        self._stop(ValueError(f"message on channel {item.channel_id}, which no record defines"))
                        return
                    yield schemas.get(channel.schema_id), channel, item
            self.good_bytes = self._f.tell()

    def _next_record_head(self) -> tuple[int, int] | None:
        """The opcode and declared length of the record the reader reads next (None where fewer
        than 9 bytes are left: the reader then says how the file ends)."""
        at = self._f.tell()
        head = self._f.read(9)
        self._f.seek(at)
        return (head[0], int.from_bytes(head[1:], "little")) if len(head) == 9 else None

    def _stop(self, err: Exception) -> None:
        self.stopped_by = _describe_error(err)
        # A file that just ends (its writer never finished) runs out of bytes inside its last
        # record; anything else (a CRC mismatch in a whole chunk, a record that does not parse)
        # or any stop in a file its writer closed is damage.
        self.damaged = self.finished or not self._last_record_runs_past_the_end()

    def _last_record_runs_past_the_end(self) -> bool:
        """Whether the record where reading stopped claims more bytes than the file has left."""
        self._f.seek(self.good_bytes)
        head = self._f.read(9)
        if len(head) < 9:
            return True
        return self.good_bytes + 9 + int.from_bytes(head[1:], "little") > self._size


def _encoded_size(record: object) -> int:
    """The bytes a record takes written out again (opcode and length included)."""
    builder = RecordBuilder()
    record.write(builder)  # type: ignore[attr-defined]
    return len(builder.end())


def _describe_error(err: Exception) -> str:
    if isinstance(err, CRCValidationError):
        return "CRC mismatch"
    if isinstance(err, EndOfFile):
        return "the file ends inside a record"
    text = f"{type(err).__name__}: {err}".rstrip(": ")
    return text if len(text) <= 120 else text[:117] + "..."


def ends_with_magic(f: IO[bytes], size: int) -> bool:
    """Whether the file closes with the MCAP magic: its writer finished it."""
    if size < 2 * len(MCAP_MAGIC):
        return False
    f.seek(size - len(MCAP_MAGIC))
    return f.read(len(MCAP_MAGIC)) == MCAP_MAGIC


def summary_crc_ok(f: IO[bytes], size: int) -> bool | None:
    """Whether the footer's summary CRC matches (None: the writer left it 0, nothing to check)."""
    f.seek(size - FOOTER_AND_MAGIC)
    footer = f.read(FOOTER_AND_MAGIC - len(MCAP_MAGIC))
    summary_start = int.from_bytes(footer[9:17], "little")
    expected = int.from_bytes(footer[25:29], "little")
    if expected == 0 or summary_start == 0:
        return None
    if not len(MCAP_MAGIC) < summary_start <= size - FOOTER_AND_MAGIC:
        return False
    f.seek(summary_start)
    # The CRC covers the summary section and the footer up to (not including) the CRC field.
    covered = f.read(size - len(MCAP_MAGIC) - 4 - summary_start)
    return zlib.crc32(covered) == expected
