"""A beep's twin: the same gated tone again at its pitch, found in the spectra where no ridge followed it.

The ridge tracker (`detectors/sounds.py`) tells an alarm by two beeps struck at one pitch. A clatter
of dishes at one of them breaks that: it lifts the band's median under the beep's first frames (so
its ridge starts late and looks too short), or lends it a ridge a few per cent off that the beep
then continues (so its pitch and level do not hold). The beep is still there at its own pitch:
what a beeper is, is one oscillator gated on and off, each beep as long and as loud as the last.
So once one clean beep is known (its pitch, length and level, from a ridge that passed every rule),
the spectra of the span around it are asked whether the same beep sounded again at that pitch:

- frames at the beep's pitch (within SAME_HZ) and level (within SAME_DB), all but MISS of them, over the beep's length (within
  SAME_S: a beeper's beeps are timed alike; a clatter's own ringing is not that long at one level);
- switched on and off: the pitch GATE_DB or more under that level within SKIRT frames before the
  first and after the last (a struck dish or glass rings on from its strike, fading; it does not stop);
- apart from the beep, within ALARM_SPAN_S of it.

Nothing is searched blind: the few bins about one pitch over ALARM_SPAN_S of frames, asked only while
a lone beep is heard.

The same oscillator gated by a timer also makes beeps too short for a beep of the detector's own
(BEEP_FRAMES at one level): a CO alarm's temporal-four (0.1 s pips, 0.1 s apart) or a fast beeper holds
PIP_FRAMES. One such pip is weak evidence; PIPS of them at one pitch, as long as each other and evenly
timed, are a timer's (`evenly_repeated`); a glass tapped again and again decays from each tap, so no
tap holds PIP_FRAMES at one level.
"""

from __future__ import annotations

import numpy as np

SAME_DB = 4.0  # the twin's frames sound as loud as the beep within this (as a beep's own frames hold, FLAT_DB)
SAME_S = 0.05  # ...and last as long within this (first to last frame end)
SAME_HZ = 4.0  # ...at the beep's pitch within this (a quarter of a bin: one oscillator, as a ridge's pitch is
# measured; a voice's harmonic or a glass's flickering ring wanders more)
MISS = 1  # frames of the twin that a clatter may lift or drown
GATE_DB = 10.0  # the pitch falls this far under the beep's level just before and after the twin
PIP_FRAMES = 3  # frames at one level that make a short beep (a CO alarm's 0.1 s pips hold three 64 ms frames)
PIPS = 3  # short beeps at one pitch, evenly timed, that make an alarm (two repeats of the first)
EVEN = 0.25  # their starts follow each other at intervals within this share of the first interval
SKIRT = 2  # frames at the twin's edges that straddle them (the 64 ms window's fading skirt)


def has_twin(t_ns: np.ndarray, rows: np.ndarray, freqs: np.ndarray, beep: tuple[int, int, float, float],
             span_ns: int) -> bool:
    """Whether the frames (end times t_ns, ascending; `rows`: their dB spectra over `freqs`, a few bins
    about the beep's pitch) hold a twin of `beep` (start t_ns, end t_ns, pitch Hz, level dB): another run
    of frames at that pitch and level, as long, gated on and off, ending before the beep or starting after
    it, within span_ns of it."""
    start_ns, end_ns, pitch, beep_db = beep
    if len(t_ns) == 0:
        return False
    level, at_pitch = _peak(rows, freqs)
    at = (np.abs(level - beep_db) <= SAME_DB) & (np.abs(at_pitch - pitch) <= SAME_HZ)
    off = level <= beep_db - GATE_DB
    n = len(t_ns)
    i = 0
    while i < n:
        if not at[i] or start_ns - span_ns > t_ns[i] or t_ns[i] > end_ns + span_ns:
            i += 1
            continue
        # The run from frame i: frames at the pitch and level, with at most MISS others between them.
        j, missed, last = i, 0, i
        while j + 1 < n and not off[j + 1]:
            j += 1
            if at[j]:
                last = j
            else:
                missed += 1
                if missed > MISS:
                    break
        apart = t_ns[last] < start_ns or t_ns[i] > end_ns
        as_long = abs((t_ns[last] - t_ns[i]) - (end_ns - start_ns)) <= SAME_S * 1e9
        switched = off[max(0, i - SKIRT):i].any() and off[last + 1:last + 1 + SKIRT].any()
        if apart and as_long and switched:
            return True
        i = last + 1
    return False


def evenly_repeated(beeps: list[tuple[int, int, float]]) -> bool:
    """Whether PIPS or more of `beeps` ((start t_ns, end t_ns, pitch), by start) are one oscillator gated by
    a timer: at one pitch (within SAME_HZ), one after another, each as long as the first (within SAME_S) and
    started at even intervals (within EVEN of the first). Short beeps (PIP_FRAMES at one level) are weak
    evidence one by one; a clink struck again and again decays from each strike and is not timed."""
    for i, (start, end, pitch) in enumerate(beeps):
        run = [(start, end)]
        for b_start, b_end, b_pitch in beeps[i + 1:]:
            if abs(b_pitch - pitch) > SAME_HZ or b_start <= run[-1][1] or abs((b_end - b_start) - (end - start)) > SAME_S * 1e9:
                continue
            if len(run) >= 2 and abs((b_start - run[-1][0]) - (run[1][0] - run[0][0])) > EVEN * (run[1][0] - run[0][0]):
                continue
            run.append((b_start, b_end))
            if len(run) >= PIPS:
                return True
    return False


def _peak(rows: np.ndarray, freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each frame's loudest level among the bins and its pitch (the parabola through it and the bins
    beside it, as the ridges' peaks are placed); NaN where the loudest lies at the edge (no peak here)."""
    k = np.argmax(rows, axis=1)
    level = rows[np.arange(len(rows)), k]
    pitch = np.full(len(rows), np.nan)
    inside = (k > 0) & (k < rows.shape[1] - 1)
    f = np.flatnonzero(inside)
    left, mid, right = rows[f, k[f] - 1], level[f], rows[f, k[f] + 1]
    curve = left - 2 * mid + right
    shift = np.where(curve < 0, np.clip(0.5 * (left - right) / np.where(curve < 0, curve, -1), -0.5, 0.5), 0.0)
    pitch[f] = freqs[k[f]] + shift * (freqs[1] - freqs[0])
    return level, pitch
