"""A ringer's tone, told before a ring's HOLD_S: two tones switched on together and held (a trill, a dual tone).

A phone's or a doorbell's electronic ringer sounds two pitches at once (a dual-frequency tone) or
alternates between them 10-25 times a second (a trill, a warble). Either way, the 64 ms frames of the
common-sounds detector (`detectors/sounds.py`) see two tones that start together, each held at its
pitch as only an oscillator holds one; a trill's tones flicker in level as each frame catches more of
one or the other. A held tone alone needs HOLD_S (0.6 s) to be told from a whistle or a whine; a
second tone switched on with it, held as steadily at a pitch no harmonic of the first, is what an
electronic ringer makes and what natural sounds do not, unless struck: a struck dish's, a bell's or a
glass's partials also start together at held pitches, but they ring out from the strike. So:

- two tones (ridges that passed the detector's rules for an alarm's tone: 800 Hz or above, switched
  on, alone) whose first frames lie within ONSET_S of each other;
- their pitches no multiple of each other (within PITCH_TOL: one oscillator's overtones are not a
  second tone);
- each held at its pitch (the ring rule's test: within PITCH_TOL in RING_STEADY of its frames, and
  within OSCILLATOR_HZ in half of them, as an oscillator holds it) over the span they share, which is
  PAIR_HOLD_S or longer;
- neither fading: the upper envelope of its level (the loudest of ENVELOPE frames, over a trill's
  flicker) falls less than RING_OUT_DB a second, as a sounder's holds and a struck thing's does not.
"""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

ONSET_S = 0.1  # two tones of one ringer start within this (a trill's second tone may need a frame or two to show)
PAIR_HOLD_S = 0.3  # ...and are held together this long (half a ring's HOLD_S: two tones are twice the evidence)
# The held-tone tolerances, shared with `sounds`' ring rule (which imports them from here):
PITCH_TOL = 0.01  # a ring's pitch stays within this of its median (and an overtone this near a multiple)
RING_STEADY = 0.75  # share of a held tone's frames at its pitch
RING_OUT_DB = 4.0  # dB a second a struck thing's level falls by, at least (a bell of 2 s falls ~7; a sounder holds)
OSCILLATOR_HZ = 4.0  # an oscillator's pitch, as a ridge measures it in noise (a quarter of a 15.6 Hz bin), holds
# within this of its median in half its frames; a motor's, a crowd's or a market's whine wanders by a share of it
ENVELOPE = 3  # frames whose loudest is the envelope (a trill at 10-25 Hz peaks in one of three 32 ms hops)


class Tone(Protocol):
    """What a tone is read by here: its frames' times, pitches and levels (a `sounds.Ridge` has them)."""

    t_ns: list[int]
    pitch: list[float]
    level: list[float]


def held_pair(tones: Sequence[Tone]) -> bool:
    """Whether two of `tones` were switched on together and are held together (see the module doc)."""
    tones = _joined(tones)
    for i, a in enumerate(tones):
        for b in tones[i + 1:]:
            if abs(a.t_ns[0] - b.t_ns[0]) > ONSET_S * 1e9:
                continue
            start, end = max(a.t_ns[0], b.t_ns[0]), min(a.t_ns[-1], b.t_ns[-1])
            if end - start < PAIR_HOLD_S * 1e9:
                continue
            fa, fb = float(np.median(a.pitch)), float(np.median(b.pitch))
            ratio = max(fa, fb) / min(fa, fb)
            if abs(ratio - round(ratio)) <= PITCH_TOL * ratio:
                continue
            if _held(a, start, end) and _held(b, start, end):
                return True
    return False


class _Joined:
    def __init__(self, pieces: list[Tone]) -> None:
        self.t_ns = [t for p in pieces for t in p.t_ns]
        self.pitch = [f for p in pieces for f in p.pitch]
        self.level = [v for p in pieces for v in p.level]


def _joined(tones: Sequence[Tone]) -> list[Tone]:
    """The tones with pieces at one pitch (within PITCH_TOL) that follow each other within ONSET_S joined
    into one: a trill's flicker may drop a tone's peak for a few frames, which ends its ridge."""
    out: list[list[Tone]] = []
    for tone in sorted(tones, key=lambda r: r.t_ns[0]):
        f = float(np.median(tone.pitch))
        for chain in out:
            last = chain[-1]
            if 0 <= tone.t_ns[0] - last.t_ns[-1] <= ONSET_S * 1e9 and abs(float(np.median(last.pitch)) - f) <= PITCH_TOL * f:
                chain.append(tone)
                break
        else:
            out.append([tone])
    return [chain[0] if len(chain) == 1 else _Joined(chain) for chain in out]


def steady_pitch(pitch: np.ndarray, median: float) -> bool:
    """A held tone's pitch (the ring rule's and a ringer's pair's): within PITCH_TOL of `median` in
    RING_STEADY of the frames (a trill's sidebands pull the peak now and then), and within OSCILLATOR_HZ
    in half of them, whatever the pitch: an oscillator's pitch is as steady as it is measured (in Hz);
    a motor's or a crowd's whine wanders by a share of it."""
    off = np.abs(pitch - median)
    return float(np.mean(off <= PITCH_TOL * median)) >= RING_STEADY and float(np.median(off)) <= OSCILLATOR_HZ


def _held(tone: Tone, start_ns: int, end_ns: int) -> bool:
    """Its pitch holds within PITCH_TOL of its median in RING_STEADY of its frames in [start_ns, end_ns] and
    within OSCILLATOR_HZ in half of them, and the upper envelope of its level does not fall RING_OUT_DB a second."""
    t = np.array(tone.t_ns)
    inside = (t >= start_ns) & (t <= end_ns)
    pitch, level = np.array(tone.pitch)[inside], np.array(tone.level)[inside]
    if not steady_pitch(pitch, float(np.median(pitch))):
        return False
    envelope = np.array([level[max(0, k - ENVELOPE + 1):k + 1].max() for k in range(ENVELOPE - 1, len(level))])
    if len(envelope) < 3:
        return False
    seconds = (t[inside][ENVELOPE - 1:] - t[inside][0]) / 1e9
    return float(np.polyfit(seconds, envelope, 1)[0]) > -RING_OUT_DB
