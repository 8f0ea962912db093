"""Common alert sounds without enrolling: DSP detectors for the tonal ones, on tracked tonal ridges.

Alarms, ring tones and sirens are made to be heard: narrow tones far above the noise around them.
Per 64 ms frame (hop 32 ms) of the microphone, up to PEAKS spectral peaks between 400 and 4500 Hz
that stand CONTINUE_DB over the band's median level are kept. Frame to frame, a peak continues the
ridge whose last pitch is nearest (within GLIDE; a peak under TONAL_DB only within WEAK_GLIDE, so
a tone dipping into the noise goes on but the noise does not take over its ridge); peaks of
TONAL_DB or more that continue nothing start new ridges; a ridge without a peak for more than
MAX_MISS frames ends. Each ridge is one tone followed through time, however its harmonics trade
places as the loudest.

- `alarm` (beeping, ringing), from ridges at ALARM_MIN_HZ or above (piezo sounders, beepers and
  ringers sit at 1-4 kHz; motors' hums, dishes' ring and horns sit lower) that are *sounders*:
  - switched on: the ridge's first frames stand CONTRAST_DB over the median level its own pitch
    had over the HISTORY_S before (a per-bin background: a dish that rings at one pitch again and
    again, a fridge's whine, is the room's own sound however gated it sounds); a ridge begun before
    the detector had that history (a fan's or an engine's tone sounding when the stream began) stands
    out only as it sounds now over what its pitch has carried since;
  - alone: neither the overtone of a lower tone sounding with it (a horn's, a motor's) nor one of
    COMPLEX_PARTIALS or more tones on one harmonic grid under ALARM_MIN_HZ (a horn or a voice whose
    fundamental is weak or under the band: a low complex tone, not a sounder; `detectors/harmonics.py`);
  - a *beep* is a ridge that is, but for SKIRT frames at its edges, BEEP_FRAMES or more frames
    at one pitch (spanning at most BEEP_HZ: one oscillator) and one level (within FLAT_DB: gated
    on and off; a clink decays, a whine's pitch wanders). The repetition is the alarm: two beeps
    struck at one pitch (within REPEAT_HZ) within ALARM_SPAN_S, the pitch falling GATE_DB under them
    between (an alarm clock's pairs, a beeper, a smoke alarm's temporal-three; a machine's tone that its
    noise breaks into two pieces stays within a few dB between them), or one beep of LONG_BEEP_S, told while it sounds if it has not
    faded (a smoke alarm's half-second beeps, an appliance's long beep), or PIPS short beeps (PIP_FRAMES
    at one level) at one pitch, evenly timed (a CO alarm's temporal-four, a fast beeper), or one beep
    whose twin (the same beep again at its pitch, as long and as loud, gated on and off) is in the
    spectra where a clatter kept it from a ridge of its own (`detectors/gated_tones.py`);
  - a *ring*: a tone held HOLD_S at one pitch (within PITCH_TOL in RING_STEADY of its frames: a
    trill's sidebands pull the peak now and then, and its level beats; and within OSCILLATOR_HZ in half
    of them, as an oscillator holds its pitch and a motor's or a crowd's whine does not), whose smooth trend covers
    no range (a siren's slow crest is not held) and whose level does not fall RING_OUT_DB a second
    (a struck bell or glass rings out; a sounder holds), and that reached its level at once (a sounder is
    switched on; a machine's or a crowd's tone swells out of the din); or, after PAIR_HOLD_S already, two such
    tones switched on together at pitches no multiple of each other (a ringer's trill or dual tone,
    `detectors/ring_tones.py`).
- `siren`: a ridge, switched on as above, that glides for SIREN_SPAN_S along a smooth sweep (a
  quadratic in time within SIREN_SMOOTH) over a pitch range of at least SIREN_RANGE (a wail's or
  yelp's slope), or for twice as long over a third of the range three times as smoothly (heard
  from a slow wail's crest, where it turns), at an even level (SIREN_EVEN_DB frame to frame: a
  glass fragment's ring flickers) unless it glides three times as smoothly as asked (in a street a
  siren's gliding tone fades and swells frame to frame as its reflections fall in and out of phase;
  only an oscillator sweeps that smoothly), and not gliding as one partial of a voice: a voice's (or
  a motor's) harmonics glide together, their pitch ratio held over the frames they share, both on
  one grid of COMPLEX_F0_HZ to VOICE_F0_HZ as neighbouring partials or one or two apart (a siren's
  own overtones share its fundamental, above it; a second siren tone at an unrelated ratio lies on
  no such grid), nor the overtone of a tone sounding since before it (a running motor's partial back
  out of a sound that masked it). A syllable's ridge also ends within a few tenths of a second, a held tone covers no
  range, and a ridge wandering through noise is not smooth. It speaks from the first sweep: no
  second period is waited for.

Tuned on the tuning half of splits.toml (the alarm clock and the other sounds over the dishes
bed; the README says which choices that half could not make); `glasses-agent eval sounds`
reports both halves; the behaviour tests lay synthesised beep patterns, horns, a struck bell and siren
sweeps over the tuning bed. The detector keeps only peaks and ridges of the audio it has not seen
before (the ticks' windows overlap) and the band's spectra of the last HISTORY_S + 1.5 s, so each run
costs one FFT of ~0.1 s, a few list operations, and a median over the history for each new tone.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from glasses_agent.detectors.gated_tones import GATE_DB, PIP_FRAMES, evenly_repeated, has_twin
from glasses_agent.detectors.harmonics import gliding_partial, overtone_of, partial_of_low_complex
from glasses_agent.detectors.ring_tones import PITCH_TOL, RING_OUT_DB, held_pair, steady_pitch
from glasses_agent.detectors.spectrum_history import SpectrumHistory

FRAME = 1024  # samples at 16 kHz (64 ms; 15.6 Hz bins)
HOP = 512
BAND_HZ = (400.0, 4500.0)
TONAL_DB = 20.0  # a peak over the band's median level that starts a ridge
CONTINUE_DB = 10.0  # ...and one that continues it (hysteresis: a tone dipping into the noise stays one)
MIN_LEVEL_DB = -60.0  # peak level (dB full scale) under which nothing is loud enough to tell
PEAKS = 6  # strongest peaks followed per frame (a tone, its overtones, a second tone)
KEEP_S = 3.0
GLIDE = 0.06  # frame-to-frame relative pitch change that still continues a ridge
WEAK_GLIDE = 0.01  # ...for a peak under TONAL_DB: a tone dipping into the noise keeps its pitch
MAX_MISS = 1  # frames a ridge may go without a peak before it ends (one noisy frame)
BEEP_HZ = 8.0  # a beep's frames' pitches span at most this (one oscillator measures to about a quarter of a
# 15.6 Hz bin here in noise; a clink's or a whine's pitch wanders more)
REPEAT_HZ = 2.0  # two beeps of one alarm share their median pitch within this (the same oscillator, struck again)
BEEP_FRAMES = 4  # frames of steady tone at one level (~160 ms): a beep, not a click or a syllable's glide
SKIRT = 2  # frames that straddle a beep's edges (the window's fading skirt), before its start or after its end
FLAT_DB = 4.0  # a beep's level while it sounds holds within this of its loudest (a gated tone; a clink decays)
ALARM_MIN_HZ = 800.0  # alarms' tones are at or above this (not covered: 520 Hz low-frequency alarms)
ALARM_SPAN_S = 1.5  # two beeps struck at one pitch within this span are an alarm
LONG_BEEP_S = 0.4  # one beep this long is an alarm already (a smoke alarm's beeps last 0.5 s)
HOLD_S = 0.6  # a steady tone held this long rings (a phone, a long beep)
HISTORY_S = 3.0  # what a pitch carried this long before a tone began is its background (a 50% beeper's
# own earlier beeps stay under the median)
HISTORY_MIN = 8  # frames of it needed (~0.25 s); a tone begun before is weighed against what its pitch carried since
CONTRAST_DB = 12.0  # an alarm's tone stands this far over its pitch's own background
SIREN_SPAN_S = 0.4  # a siren's ridge glides at least this long
SIREN_RANGE = 0.08  # relative pitch range a siren's ridge covers over its span
SIREN_EVEN_DB = 3.0  # its level changes frame to frame by at most this (three frames of four)
SIREN_SMOOTH = 0.01  # RMS relative distance of its pitches from a smooth (quadratic) sweep


@dataclass
class Ridge:
    """One tone followed through time: its frames' end times, pitches (Hz), rises over the band's
    median (dB) and levels (dB full scale)."""

    t_ns: list[int] = field(default_factory=list)
    pitch: list[float] = field(default_factory=list)
    rise: list[float] = field(default_factory=list)
    level: list[float] = field(default_factory=list)
    missed: int = 0
    background: float | None = None  # dB its pitch carried before it began (set once asked)
    _median: tuple[int, float] = (0, 0.0)

    @property
    def start_ns(self) -> int:
        return self.t_ns[0]

    @property
    def end_ns(self) -> int:
        return self.t_ns[-1]

    def median(self) -> float:
        """Its median pitch (kept until the ridge grows: the detector asks every tick)."""
        if self._median[0] != len(self.pitch):
            self._median = (len(self.pitch), float(np.median(self.pitch)))
        return self._median[1]

    def beep(self, frames: int = BEEP_FRAMES) -> tuple[int, int, float] | None:
        """(start t_ns, end t_ns, pitch) of the beep this ridge is, if it is one: `frames` (BEEP_FRAMES) or more
        frames whose pitches span at most BEEP_HZ and whose levels within FLAT_DB (a
        gated tone: on at one level, then off; a clink decays from its strike, a whine's pitch wanders),
        with at most SKIRT frames of the ridge before and after them (the frames that straddle its
        edges, or a noise peak that happened to continue the ridge)."""
        n = len(self.pitch)
        for i in range(min(SKIRT, n - frames) + 1):
            lo_p = hi_p = self.pitch[i]
            lo_l = hi_l = self.level[i]
            j = i + 1
            while j < n:
                lo_p, hi_p = min(lo_p, self.pitch[j]), max(hi_p, self.pitch[j])
                lo_l, hi_l = min(lo_l, self.level[j]), max(hi_l, self.level[j])
                if hi_p - lo_p > BEEP_HZ or hi_l - lo_l > FLAT_DB:
                    break
                j += 1
            if j - i >= frames and n - j <= SKIRT:
                return self.t_ns[i], self.t_ns[j - 1], float(np.median(self.pitch[i:j]))
        return None

    def rings_out(self) -> bool:
        """Its level falls steadily, RING_OUT_DB a second or more (a line through its frames but the
        edges): a struck thing ringing out (a bell, a glass), not a sounder switched on."""
        inner = self.level[1:-1]
        if len(inner) < BEEP_FRAMES:
            return False
        t = (np.array(self.t_ns[1:-1]) - self.t_ns[1]) / 1e9
        return float(np.polyfit(t, inner, 1)[0]) <= -RING_OUT_DB

    def held(self) -> bool:
        """Its pitch holds (`ring_tones.steady_pitch`: within PITCH_TOL of its median in RING_STEADY of them, within
        OSCILLATOR_HZ in half) over the frames between its first and last (those straddle the tone's edges), and
        its smooth trend covers no range: a ring, whose trill may pull the peak now and then."""
        return steady_pitch(np.array(self.pitch[1:-1] or self.pitch), self.median()) and self.sweep()[0] <= PITCH_TOL

    def switched_on_at_once(self) -> bool:
        """Its level reaches its held level (its frames' median, within FLAT_DB) in one of its first SKIRT + 1
        frames: a sounder is switched on (the first frame may straddle the switch). A machine's tone spinning
        up, or a crowd's tone swelling out of the din, rises over many frames."""
        return max(self.level[:SKIRT + 1]) >= float(np.median(self.level)) - FLAT_DB

    def sweep(self) -> tuple[float, float]:
        """(range, wobble) of its pitch relative to its median: the range a smooth sweep (a quadratic in
        time) through its pitches covers, and their RMS distance from it. A held tone covers none; a
        siren's crest, slow as it turns, still does."""
        if len(self.pitch) < 3:
            return 0.0, 0.0
        t = (np.array(self.t_ns) - self.t_ns[0]) / 1e9
        p = np.array(self.pitch) / self.median()
        fit = np.polyval(np.polyfit(t, p, 2), t)
        return float(fit.max() - fit.min()), float(np.sqrt(np.mean((p - fit) ** 2)))


class CommonSounds:
    """Per-run detector of `alarm` and `siren` on int16 audio at 16 kHz; see the module doc."""

    def __init__(self, sample_rate: int = 16_000) -> None:
        self.sample_rate = sample_rate
        self._active: list[Ridge] = []
        self._ended: deque[Ridge] = deque()
        self._last_ns: int | None = None
        freqs = np.fft.rfftfreq(FRAME, 1.0 / sample_rate)
        self._band = (freqs >= BAND_HZ[0]) & (freqs <= BAND_HZ[1])
        self._freqs = freqs[self._band]
        self._window = np.hanning(FRAME).astype(np.float32)
        self._hop_ns = HOP * 1_000_000_000 // sample_rate
        self._history = SpectrumHistory(int((HISTORY_S + ALARM_SPAN_S) * sample_rate / HOP) + 1, int(self._band.sum()))

    def reset(self) -> None:
        self._active.clear()
        self._ended.clear()
        self._history.clear()
        self._last_ns = None

    def update(self, audio: np.ndarray, t_ns: int) -> tuple[tuple[str, float], ...]:
        """Feed the tick's audio window (ending at t_ns); returns the kinds heard now with a score."""
        new_ns = t_ns - self._last_ns if self._last_ns is not None else len(audio) * 1_000_000_000 // self.sample_rate
        if new_ns < 0:
            self.reset()
            new_ns = len(audio) * 1_000_000_000 // self.sample_rate
        self._last_ns = t_ns
        n_new = min(len(audio), int(new_ns * self.sample_rate // 1_000_000_000))
        for end_ns, peaks in self._peaks(audio, n_new, t_ns):
            self._track(end_ns, peaks)
        while self._ended and self._ended[0].end_ns < t_ns - int(KEEP_S * 1e9):
            self._ended.popleft()
        out = []
        alarm = self._alarm(t_ns)
        if alarm > 0:
            out.append(("alarm", alarm))
        siren = self._siren(t_ns)
        if siren > 0:
            out.append(("siren", siren))
        return tuple(out)

    def _peaks(self, audio: np.ndarray, n_new: int, t_ns: int) -> list[tuple[int, list[tuple[float, float, float, bool]]]]:
        """(frame end t_ns, [(pitch Hz, dB over the band median, dB full scale, strong)...]) of frames whose ends fall in the newest n_new samples."""
        x = audio.astype(np.float32) / 32768.0
        ends = list(range(len(x), max(FRAME, len(x) - n_new), -HOP))[::-1]
        if not ends:
            return []
        frames = np.stack([x[e - FRAME:e] for e in ends]) * self._window
        spec = np.abs(np.fft.rfft(frames, axis=1))[:, self._band]
        db = 20 * np.log10(spec + 1e-9) - 20 * np.log10(FRAME / 4)  # ~dB full scale for a sine
        floor = np.median(db, axis=1, keepdims=True)
        # Local maxima (over both neighbours) standing TONAL_DB over the band's median.
        inner = db[:, 1:-1]
        is_peak = (inner > db[:, :-2]) & (inner >= db[:, 2:]) & (inner - floor >= CONTINUE_DB) & (inner >= MIN_LEVEL_DB)
        bin_hz = self.sample_rate / FRAME
        out = []
        for row, e in enumerate(ends):
            self._history.add(t_ns - (len(x) - e) * 1_000_000_000 // self.sample_rate, db[row])
            ks = np.flatnonzero(is_peak[row]) + 1
            ks = ks[np.argsort(-db[row, ks])][:PEAKS]
            peaks = []
            for k in ks:
                left, mid, right = db[row, k - 1], db[row, k], db[row, k + 1]
                curve = left - 2 * mid + right
                shift = float(np.clip(0.5 * (left - right) / curve, -0.5, 0.5)) if curve < 0 else 0.0
                rise = float(mid - floor[row, 0])
                peaks.append((float(self._freqs[k] + shift * bin_hz), rise, float(mid), rise >= TONAL_DB))
            out.append((t_ns - (len(x) - e) * 1_000_000_000 // self.sample_rate, peaks))
        return out

    def _track(self, end_ns: int, peaks: list[tuple[float, float, float, bool]]) -> None:
        """Continue each ridge with the nearest free peak within GLIDE (loudest ridges first); the
        rest of the strong peaks start ridges; a ridge without a peak for more than MAX_MISS frames ends."""
        free = list(peaks)
        for ridge in sorted(self._active, key=lambda r: -r.rise[-1]):
            last = ridge.pitch[-1]
            near = [(abs(p - last) / last, i) for i, (p, _, _, strong) in enumerate(free)
                    if abs(p - last) <= (GLIDE if strong else WEAK_GLIDE) * last]
            if near:
                p, rise, level, _ = free.pop(min(near)[1])
                ridge.t_ns.append(end_ns)
                ridge.pitch.append(p)
                ridge.rise.append(rise)
                ridge.level.append(level)
                ridge.missed = 0
            else:
                ridge.missed += 1
        for ridge in [r for r in self._active if r.missed > MAX_MISS]:
            self._active.remove(ridge)
            self._ended.append(ridge)
        self._active.extend(Ridge([end_ns], [p], [rise], [level]) for p, rise, level, strong in free if strong)

    def _recent(self, since_ns: int) -> list[Ridge]:
        return [r for r in list(self._ended) + self._active if r.end_ns > since_ns]

    def _tones(self, ridges: list[Ridge]) -> list[Ridge]:
        """Ridges at ALARM_MIN_HZ or above, BEEP_FRAMES or longer, that are not the overtone of a lower
        tone sounding with them (a horn's, a motor's: it sounds as long and about as loud)."""
        long = [r for r in ridges if len(r.pitch) >= BEEP_FRAMES]
        return [r for r in long if r.median() >= ALARM_MIN_HZ and self._stands_out(r)
                and not any(overtone_of(r, o) for o in long if o is not r) and not partial_of_low_complex(r, long, ALARM_MIN_HZ)]

    def _stands_out(self, ridge: Ridge) -> bool:
        """The ridge, as it began or as it sounds now (a siren fading in), stands CONTRAST_DB over the
        median level its pitch had over the HISTORY_S before it began: a sound that switched on, not a
        pitch the room keeps sounding (a dish that rings again and again, a fridge's whine)."""
        n = BEEP_FRAMES + SKIRT
        if ridge.background is None:
            bins = np.searchsorted(self._freqs, ridge.pitch[:n])  # each frame's own pitch (a siren's glides)
            before = self._history.median_at(bins, ridge.start_ns - int(HISTORY_S * 1e9), ridge.start_ns - self._hop_ns, HISTORY_MIN)
            if before is None:
                # It began in the stream's first quarter second: whether it was switched on is not known (a
                # fan's or an engine's tone was sounding before the microphone listened). It stands out only
                # as it sounds now over what its pitch has carried since: a tone held from the start is the
                # room's own, a sweep's pitch of now was only passed through, a sounder's next beep is new.
                bins = np.searchsorted(self._freqs, ridge.pitch[-n:])
                since = self._history.median_at(bins, ridge.end_ns - int(HISTORY_S * 1e9), ridge.end_ns, HISTORY_MIN)
                return since is not None and float(np.median(ridge.level[-n:])) - float(np.median(since)) >= CONTRAST_DB
            ridge.background = float(np.median(before))
        level = max(float(np.median(ridge.level[:n])), float(np.median(ridge.level[-n:])))
        return level - ridge.background >= CONTRAST_DB

    def _alarm(self, t_ns: int) -> float:
        ridges = self._recent(t_ns - int(ALARM_SPAN_S * 1e9))
        tones = self._tones(ridges)
        held = max(((b.end_ns - b.start_ns) / 1e9 for b in tones if b.held() and b.switched_on_at_once() and not b.rings_out()), default=0.0)
        if held >= HOLD_S:  # a ring (a trill's level may beat; its pitch holds)
            return float(min(1.0, held / (2 * HOLD_S)))
        if held_pair(tones):  # a ringer's trill or dual-frequency tone: two tones switched on together (`ring_tones`)
            return 0.5
        # One long beep (a smoke alarm's temporal-three beeps last half a second), or two struck at
        # one pitch, apart, within the span.
        since = t_ns - int(ALARM_SPAN_S * 1e9)
        beeps = [(r, b) for r in tones if (b := r.beep()) is not None and b[0] > since]
        if any(b[1] - b[0] >= LONG_BEEP_S * 1e9 and not r.rings_out() for r, b in beeps):
            return 0.5
        struck = sorted(((b, r) for r, b in beeps), key=lambda x: x[0])
        for i, (a, ra) in enumerate(struck):
            for b, rb in struck[i + 1:]:
                if b[0] > a[1] and abs(b[2] - a[2]) <= REPEAT_HZ and self._gated_between(a, b, min(_beep_level(ra, a), _beep_level(rb, b))):
                    return 0.5
        # A run of short beeps at one pitch, evenly timed (a beeper, a CO alarm's temporal-four: `gated_tones`).
        if evenly_repeated(sorted(b for r in tones if (b := r.beep(PIP_FRAMES)) is not None and b[0] > since)):
            return 0.5
        # One clean beep, whose twin a clatter kept from a ridge of its own: the same beep again at its
        # pitch in the spectra (`gated_tones`).
        for r, (b_start, b_end, b_pitch) in beeps:
            level = _beep_level(r, (b_start, b_end, b_pitch))
            t, rows, near = self._history.rows_near(int(np.searchsorted(self._freqs, b_pitch)), 2, since, t_ns)
            if has_twin(t, rows, self._freqs[near], (b_start, b_end, b_pitch, level), int(ALARM_SPAN_S * 1e9)):
                return 0.5
        return 0.0

    def _gated_between(self, a: tuple[int, int, float], b: tuple[int, int, float], level: float) -> bool:
        """Between beeps a and b ((start, end t_ns, pitch)), their pitch fell GATE_DB under `level` (the
        softer beep's) in some frame: one sounder switched off and on again. A machine's or a crowd's tone
        that flickers into two ridges in its noise stays within a few dB of itself between them."""
        t, rows, _ = self._history.rows_near(int(np.searchsorted(self._freqs, a[2])), 1, a[1] + 1, b[0] - 1)
        return len(rows) > 0 and float(rows.max(axis=1).min()) <= level - GATE_DB

    def _siren(self, t_ns: int) -> float:
        best = 0.0
        for r in self._recent(t_ns - int(SIREN_SPAN_S * 1e9)):
            if r.end_ns - r.start_ns < SIREN_SPAN_S * 1e9 or not self._stands_out(r) or gliding_partial(r, self._recent(r.start_ns)):
                continue
            # The overtone of a tone sounding since before it: a running motor's partial back out of a sound
            # that masked it (its pitch wandered off the bins it held before, so it seems switched on there);
            # a siren's overtones start with its fundamental, which is told itself.
            if any(o.start_ns < r.start_ns and overtone_of(r, o) for o in self._recent(r.start_ns) if o is not r):
                continue
            spread, wobble = r.sweep()
            jumps = float(np.percentile(np.abs(np.diff(r.level)), 75))  # a siren sounds on evenly; a ring fragment flickers
            # An even level, unless it glides three times as smoothly as asked (as only an oscillator
            # sweeps): heard in the street by the direct path and by reflections, a gliding tone fades
            # and swells frame to frame as the paths fall in and out of phase with its pitch.
            if wobble > SIREN_SMOOTH or (jumps > SIREN_EVEN_DB and wobble > SIREN_SMOOTH / 3):
                continue
            # Its slope: the range covered in SIREN_SPAN_S; or, heard from a wail's slow crest, a turn: a
            # third of it over twice as long, along a sweep three times as smooth.
            turning = (r.end_ns - r.start_ns >= 2 * SIREN_SPAN_S * 1e9 and spread >= SIREN_RANGE / 3
                       and wobble <= SIREN_SMOOTH / 3 and float(np.ptp(r.pitch)) >= 3 * BEEP_HZ)
            if spread >= SIREN_RANGE or turning:
                best = max(best, float(min(1.0, spread / (2 * SIREN_RANGE))))
        return best


def _beep_level(ridge: Ridge, beep: tuple[int, int, float]) -> float:
    """The median level (dB full scale) of the ridge's frames within the beep."""
    return float(np.median([v for t, v in zip(ridge.t_ns, ridge.level) if beep[0] <= t <= beep[1]]))
