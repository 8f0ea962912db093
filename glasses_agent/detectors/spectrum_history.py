"""The band's spectra of the last seconds, per frame: what each pitch carried before a tone began.

The common-sounds detector asks it once for each tone it weighs (`detectors/sounds.py`): a tone
that stands well over its own pitch's recent median was switched on; one the room keeps sounding
(a dish ringing at one pitch again and again, a whine) does not.
"""

from __future__ import annotations

import numpy as np


class SpectrumHistory:
    """The band's dB spectra of the last frames (a ring), to tell what each pitch carried before a tone began."""

    def __init__(self, frames: int, bins: int) -> None:
        self._db = np.full((frames, bins), np.nan, dtype=np.float32)
        self._t_ns = np.full(frames, -1, dtype=np.int64)
        self._next = 0

    def clear(self) -> None:
        self._db[:] = np.nan
        self._t_ns[:] = -1
        self._next = 0

    def add(self, t_ns: int, row: np.ndarray) -> None:
        self._db[self._next] = row
        self._t_ns[self._next] = t_ns
        self._next = (self._next + 1) % len(self._t_ns)

    def median_at(self, bins: np.ndarray, since_ns: int, until_ns: int, min_frames: int) -> np.ndarray | None:
        """For each of `bins`: the median over the frames ending in [since_ns, until_ns] of the loudest
        of its bin and the two beside it (a tone's pitch moves within a bin); None when fewer than
        min_frames frames are known."""
        rows = (self._t_ns >= max(0, since_ns)) & (self._t_ns <= until_ns)
        if rows.sum() < min_frames:
            return None
        past = self._db[rows]
        near = np.maximum(np.maximum(past[:, np.clip(bins - 1, 0, past.shape[1] - 1)], past[:, np.clip(bins, 0, past.shape[1] - 1)]),
                          past[:, np.clip(bins + 1, 0, past.shape[1] - 1)])
        return np.median(near, axis=0)

    def rows_near(self, bin_: int, reach: int, since_ns: int, until_ns: int) -> tuple[np.ndarray, np.ndarray, slice]:
        """(frame end t_ns ascending, their dB at the bins within `reach` of `bin_`, those bins) over the
        frames ending in [since_ns, until_ns]."""
        rows = np.flatnonzero((self._t_ns >= max(0, since_ns)) & (self._t_ns <= until_ns))
        rows = rows[np.argsort(self._t_ns[rows])]
        near = slice(max(0, bin_ - reach), min(self._db.shape[1], bin_ + reach + 1))
        return self._t_ns[rows], self._db[rows, near], near
