"""Common alert sounds without enrolling: DSP detectors for the tonal ones.

Alarms, ring tones and sirens are made to be heard: a narrow tone far above the noise around it.
Per 64 ms frame (hop 32 ms) of the microphone, the loudest peak between 400 and 4500 Hz is
*tonal* when it stands TONAL_DB over the band's median level. Over the last seconds:

- `alarm` (beeping, ringing): tonal frames whose pitches keep returning to one or two values
  (a smoke alarm's beeps, an alarm clock, a phone's trill), in bursts or held, for most of
  ALARM_SPAN_S;
- `siren`: a tone held for SIREN_SPAN_S whose pitch glides (frame to frame within GLIDE, over a
  range of at least SIREN_RANGE): a wail or yelp.

Speech is tonal too (its harmonics), but in syllables a few frames long whose peak jumps between
harmonics; it neither holds a pitch for most of a second nor glides smoothly for 1.2 s.
The detector keeps only per-frame features of the audio it has not seen before (the ticks'
windows overlap), so each run costs one FFT of ~0.3 s.
"""

from __future__ import annotations

from collections import deque

import numpy as np

FRAME = 1024  # samples at 16 kHz (64 ms; 15.6 Hz bins)
HOP = 512
BAND_HZ = (400.0, 4500.0)
TONAL_DB = 20.0  # peak over the band's median level
MIN_LEVEL_DB = -60.0  # peak level (dB full scale) under which nothing is loud enough to tell
KEEP_S = 3.0
ALARM_SPAN_S = 1.0  # an alarm's pattern is judged over this span
ALARM_TONAL = 0.4  # share of its frames that must be in steady bursts
PITCH_TOL = 0.015  # relative distance within which two frames have "the same" pitch (sub-bin peaks)
JUMP = 0.05  # a pitch change bigger than this starts a new note
STRIKES = 3  # notes struck within ALARM_SPAN_S that make a beeping or ringing
STEADY_FRAMES = 3  # tonal frames at one pitch that make a burst (~100 ms: a beep, not a syllable's glide)
ALARM_PITCHES = 2  # pitches (clusters) an alarm's tonal frames may use
ALARM_COVER = 0.8  # share of the tonal frames those pitches must cover
SIREN_SPAN_S = 1.2
SIREN_TONAL = 0.85
GLIDE = 0.06  # frame-to-frame relative pitch change of a glide (bigger: a jump)
SIREN_GLIDING = 0.95  # share of (non-octave) frame steps that must glide
SIREN_RANGE = 0.08  # relative pitch range a siren covers over its span


class CommonSounds:
    """Per-run detector of `alarm` and `siren` on int16 audio at 16 kHz; see the module doc."""

    def __init__(self, sample_rate: int = 16_000) -> None:
        self.sample_rate = sample_rate
        self._frames: deque[tuple[int, bool, float]] = deque()  # (t_ns of frame end, tonal, pitch Hz)
        self._last_ns: int | None = None
        freqs = np.fft.rfftfreq(FRAME, 1.0 / sample_rate)
        self._band = (freqs >= BAND_HZ[0]) & (freqs <= BAND_HZ[1])
        self._freqs = freqs[self._band]
        self._window = np.hanning(FRAME).astype(np.float32)

    def reset(self) -> None:
        self._frames.clear()
        self._last_ns = None

    def update(self, audio: np.ndarray, t_ns: int) -> tuple[tuple[str, float], ...]:
        """Feed the tick's audio window (ending at t_ns); returns the kinds heard now with a score."""
        new_ns = t_ns - self._last_ns if self._last_ns is not None else len(audio) * 1_000_000_000 // self.sample_rate
        if new_ns < 0:
            self.reset()
            new_ns = len(audio) * 1_000_000_000 // self.sample_rate
        self._last_ns = t_ns
        n_new = min(len(audio), int(new_ns * self.sample_rate // 1_000_000_000))
        self._add(audio, n_new, t_ns)
        while self._frames and self._frames[0][0] < t_ns - int(KEEP_S * 1e9):
            self._frames.popleft()
        out = []
        alarm = self._alarm(t_ns)
        if alarm > 0:
            out.append(("alarm", alarm))
        siren = self._siren(t_ns)
        if siren > 0:
            out.append(("siren", siren))
        return tuple(out)

    def _add(self, audio: np.ndarray, n_new: int, t_ns: int) -> None:
        """Frames whose ends fall in the newest n_new samples (each with FRAME samples of context)."""
        x = audio.astype(np.float32) / 32768.0
        ends = list(range(len(x), max(FRAME, len(x) - n_new), -HOP))[::-1]
        if not ends:
            return
        frames = np.stack([x[e - FRAME:e] for e in ends]) * self._window
        spec = np.abs(np.fft.rfft(frames, axis=1))[:, self._band]
        db = 20 * np.log10(spec + 1e-9) - 20 * np.log10(FRAME / 4)  # ~dB full scale for a sine
        peak = db.argmax(axis=1)
        rows = np.arange(len(db))
        level = db[rows, peak]
        tonal = (level - np.median(db, axis=1) >= TONAL_DB) & (level >= MIN_LEVEL_DB)
        # The peak's frequency between bins (a parabola through it and its neighbours).
        left = db[rows, np.maximum(peak - 1, 0)]
        right = db[rows, np.minimum(peak + 1, db.shape[1] - 1)]
        curve = left - 2 * level + right
        shift = np.where(curve < 0, 0.5 * (left - right) / np.where(curve < 0, curve, -1.0), 0.0)
        bin_hz = self.sample_rate / FRAME
        for e, is_tonal, k, d in zip(ends, tonal, peak, np.clip(shift, -0.5, 0.5)):
            end_ns = t_ns - (len(x) - e) * 1_000_000_000 // self.sample_rate
            self._frames.append((end_ns, bool(is_tonal), float(self._freqs[k] + d * bin_hz)))

    def _span(self, t_ns: int, span_s: float) -> list[tuple[int, bool, float]]:
        return [f for f in self._frames if f[0] > t_ns - int(span_s * 1e9)]

    def _alarm(self, t_ns: int) -> float:
        frames = self._span(t_ns, ALARM_SPAN_S)
        if len(frames) < ALARM_SPAN_S * self.sample_rate / HOP * 0.8:
            return 0.0
        bursts = _steady_bursts(frames)
        held = sum(n for _, n, _ in bursts)
        if held < ALARM_TONAL * len(frames):
            return 0.0
        # An alarm returns to the same one or two pitches, burst after burst (or holds one).
        centres: list[float] = []
        covered = 0
        strikes: dict[int, int] = {}  # centre -> notes struck on it
        for p, n, struck in sorted(bursts, key=lambda b: -b[1]):
            near = [i for i, c in enumerate(centres) if abs(p - c) <= PITCH_TOL * c]
            if not near and len(centres) < ALARM_PITCHES:
                centres.append(p)
                near = [len(centres) - 1]
            if near:
                covered += n
                strikes[near[0]] = strikes.get(near[0], 0) + int(struck)
        # Struck again and again on the same note: a hum that holds one pitch (a motor, a fan) is
        # no alarm, and neither is a voice, whose notes land on a new pitch each time.
        recurring = sum(strikes.values()) >= STRIKES and max(strikes.values(), default=0) >= 2
        if not recurring or covered < ALARM_COVER * held:
            return 0.0
        return float(min(1.0, held / len(frames)))

    def _siren(self, t_ns: int) -> float:
        frames = self._span(t_ns, SIREN_SPAN_S)
        if len(frames) < SIREN_SPAN_S * self.sample_rate / HOP * 0.8:
            return 0.0
        tonal = [p for _, is_tonal, p in frames if is_tonal]
        if len(tonal) < SIREN_TONAL * len(frames):
            return 0.0
        p = np.array(tonal)
        ratio = p[1:] / p[:-1]
        # A siren's harmonic can overtake its fundamental for a frame (the peak jumps by an
        # octave): such steps say nothing. Every other step must glide; a voice's peak hops
        # from harmonic to harmonic at each new syllable.
        octave = (np.abs(ratio - 2.0) <= 0.1) | (np.abs(ratio - 0.5) <= 0.025)
        steps = np.abs(ratio[~octave] - 1.0)
        if len(steps) == 0 or np.mean(steps <= GLIDE) < SIREN_GLIDING:
            return 0.0
        spread = (np.percentile(p, 90) - np.percentile(p, 10)) / np.median(p)
        if spread < SIREN_RANGE:
            return 0.0  # a held tone: an alarm's, not a siren's
        return float(min(1.0, spread / (2 * SIREN_RANGE)))


def _steady_bursts(frames: list[tuple[int, bool, float]]) -> list[tuple[float, int, bool]]:
    """(median pitch, frames, struck) of each run of STEADY_FRAMES or more tonal frames whose
    pitch stays within PITCH_TOL of the run's start: a beep, a ring, a held tone (speech's pitch
    drifts). `struck`: the run began after silence or a jump of more than JUMP in pitch (a new
    beep, the other note of a trill), not where a wavering hum slipped out of tolerance."""
    out = []
    run: list[float] = []
    before: tuple[bool, float] = (False, 0.0)
    start_before = before
    for _, tonal, p in list(frames) + [(0, False, 0.0)]:
        if tonal and run and abs(p - run[0]) <= PITCH_TOL * run[0]:
            run.append(p)
            before = (tonal, p)
            continue
        if len(run) >= STEADY_FRAMES:
            prev_tonal, prev_p = start_before
            struck = not prev_tonal or abs(prev_p - run[0]) > JUMP * run[0]
            out.append((float(np.median(run)), len(run), struck))
        start_before = before
        run = [p] if tonal else []
        before = (tonal, p)
    return out
