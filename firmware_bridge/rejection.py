"""`Rejected`: a device message the bridge refuses, with the protocol's error code.

Its own module so that the codec and the JPEG checker both raise it without importing each other.
"""

from __future__ import annotations


class Rejected(Exception):
    """A message the bridge refuses; `code` is one of error.json's codes, `seq` the message's own
    (None when it had no valid one)."""

    def __init__(self, code: str, detail: str, seq: int | None = None) -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail, self.seq = code, detail, seq

    def with_seq(self, seq: int | None) -> "Rejected":
        """The same rejection carrying `seq` where it had none."""
        return self if self.seq is not None or seq is None else Rejected(self.code, self.detail, seq)
