"""Which tones belong to one source's harmonic series: a horn's, a motor's or a voice's partials.

An alarm's or a siren's tone stands alone, or with its own overtones above it. The sounds that fool
a tone detector are complex tones: several partials on one grid k * f0 with a low fundamental (heard
or not), which move together as the source's pitch moves. `sounds` asks three things of a tone here:
is it one of COMPLEX_PARTIALS or more partials on a low grid (`partial_of_low_complex`), does it glide
as one partial of a voice or a motor (`gliding_partial`: another ridge holds its pitch ratio while
both glide, on a grid of COMPLEX_F0_HZ to VOICE_F0_HZ), and is it the overtone of a lower tone sounding
with it (`overtone_of`).
"""

from __future__ import annotations

import math
from typing import Protocol, Sequence

import numpy as np

from glasses_agent.detectors.ring_tones import PITCH_TOL, RING_STEADY

OVERTONE_DB = 6.0  # a tone's fundamental is about as loud as its overtones, or louder
COMPLEX_PARTIALS = 3  # tones on one harmonic grid that make a complex tone (a two-tone trill is not one)
COMPLEX_F0_HZ = 90.0  # ...whose grid (fundamental, heard or not) is this fine or coarser (a finer one takes in any tone)
CO_GLIDE = 0.005  # two partials of one source keep their pitch ratio within this as they glide (a steady
# tone beside a sweep drifts out of it in a frame or two)
COMMON_FRAMES = 5  # frames two ridges must share to be seen gliding together
VOICE_F0_HZ = 400.0  # a voice's (or a motor's) fundamental lies under this; a siren's wails above it
COMPLEX_MAX_K = 24  # highest harmonic number counted (a finer grid would take in any tone)
GRID_HZ = 4.0  # a partial lies on the grid within this (a quarter of a bin: how well a ridge's pitch is measured)


class Tone(Protocol):
    """What a tone is read by here (a `sounds.Ridge` has it): its frames' times, pitches and levels,
    its span, and its median pitch."""

    t_ns: list[int]
    pitch: list[float]
    level: list[float]

    @property
    def start_ns(self) -> int: ...

    @property
    def end_ns(self) -> int: ...

    def median(self) -> float: ...


def partial_of_low_complex(tone: Tone, ridges: Sequence[Tone], f0_max: float) -> bool:
    """`tone` is one of COMPLEX_PARTIALS or more tones sounding together (over half its length) on one
    harmonic grid k * f0 with f0 under `f0_max` (a horn's, a motor's or a voice's harmonics: a low
    complex tone, whether its fundamental is heard or not). An alarm's tone stands alone or with its
    own overtones (`sounds` asks with its ALARM_MIN_HZ)."""
    with_it = [o.median() for o in ridges if o is not tone and overlap(tone, o) >= 0.5 * (tone.end_ns - tone.start_ns)]
    return _on_low_grid(tone.median(), with_it, f0_max)


def gliding_partial(tone: Tone, ridges: Sequence[Tone]) -> bool:
    """`tone` glides as one partial of a voice's (or a motor's) harmonics: another ridge glides with it
    (over COMMON_FRAMES or more frames their pitch ratio holds within CO_GLIDE in RING_STEADY of them) and
    the two lie on one grid with a fundamental of COMPLEX_F0_HZ to VOICE_F0_HZ, as neighbouring partials or
    one or two apart. Partials of one source move together; a siren's own overtones share its
    fundamental, above it, and two siren tones gliding the same way at an unrelated ratio are no voice."""
    at = {t: p for t, p in zip(tone.t_ns, tone.pitch)}
    for other in ridges:
        if other is tone or other.end_ns < tone.start_ns or other.start_ns > tone.end_ns:
            continue
        common = [(at[t], p) for t, p in zip(other.t_ns, other.pitch) if t in at]
        if len(common) < COMMON_FRAMES:
            continue
        ratio = np.array([a / b for a, b in common])
        q = float(np.median(ratio))
        if float(np.mean(np.abs(ratio - q) <= CO_GLIDE * q)) < RING_STEADY:
            continue  # not moving together (three frames of four: a crossing partial pulls a peak now and then)
        # Their grid, from the two as neighbouring partials or one or two apart (as a horn's is found):
        # a fine grid of far harmonic numbers (41 : 21 within 1%) would fit any two tones gliding together,
        # such as a two-tone siren's.
        # The two pitches as their held ratio gives them: medians taken apart drift off it as the two
        # glide (0.2% at a motor's 9th and 8th partials puts their difference 2% off the fundamental).
        b = float(np.median([y for _, y in common]))
        a = q * b
        for m in (1, 2, 3):
            f0 = abs(a - b) / m
            # ...the coarsest grid both lie on (a siren's octave overtone lies on its own f0 / 2 too).
            if COMPLEX_F0_HZ <= f0 < VOICE_F0_HZ and _on_grid(a, f0) and _on_grid(b, f0) and math.gcd(round(a / f0), round(b / f0)) == 1:
                return True
    return False


def _on_low_grid(f: float, pitches: list[float], f0_max: float) -> bool:
    """f and COMPLEX_PARTIALS - 1 or more of `pitches` lie on one harmonic grid k * f0 with f0 in
    [COMPLEX_F0_HZ, f0_max): the grid is found from f and each other pitch, as neighbouring partials
    or one or two apart."""
    if len(pitches) < COMPLEX_PARTIALS - 1:
        return False
    for other in pitches:
        for m in (1, 2, 3):
            f0 = abs(f - other) / m
            if not COMPLEX_F0_HZ <= f0 < f0_max or f / f0 > COMPLEX_MAX_K:
                continue
            if _on_grid(f, f0) and sum(_on_grid(p, f0) for p in pitches) + 1 >= COMPLEX_PARTIALS:
                return True
    return False


def _on_grid(pitch: float, f0: float) -> bool:
    return abs(pitch - round(pitch / f0) * f0) <= max(GRID_HZ, PITCH_TOL * 0.5 * pitch) and round(pitch / f0) >= 1


def overlap(a: Tone, b: Tone) -> int:
    """How long (ns) the two sound together; negative where one ends before the other starts."""
    return min(a.end_ns, b.end_ns) - max(a.start_ns, b.start_ns)


def overtone_of(high: Tone, low: Tone) -> bool:
    """`high` is an overtone (2-4 times the pitch, within PITCH_TOL) of `low`, which sounds over most of
    its length and no more than OVERTONE_DB softer."""
    k = round(high.median() / low.median())
    if not 2 <= k <= 4 or abs(high.median() - k * low.median()) > PITCH_TOL * high.median():
        return False
    return overlap(high, low) >= 0.5 * (high.end_ns - high.start_ns) and max(low.level) >= max(high.level) - OVERTONE_DB
