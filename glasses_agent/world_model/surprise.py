"""Surprise: prediction errors as z-scores against their own running statistics, and where.

A raw prediction error means little on its own: a busy street errs more every tick than an
empty room. So each error stream keeps an exponentially weighted mean and variance of its own
past and reports how many deviations above that the current error lies. The statistics are
updated after scoring (a surprise does not explain itself away) and with a floor on the
deviation, so a stream that has been flat at zero does not make the next tiny wobble huge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass
class RunningStats:
    """EMA mean/variance of one error stream; `z(x)` scores x, then learns it."""

    halflife: float = 50.0  # ticks
    floor: float = 0.05  # the smallest deviation believed (the stream's noise scale)
    warmup: int = 5  # ticks scored 0 while the statistics are still empty
    mean: float = 0.0
    var: float = 0.0
    count: int = 0

    @property
    def alpha(self) -> float:
        return 1.0 - 0.5 ** (1.0 / self.halflife)

    def z(self, x: float, learn: bool = True) -> float:
        if not math.isfinite(x):
            return 0.0
        if self.count < self.warmup:
            score = 0.0
        else:
            score = (x - self.mean) / max(math.sqrt(self.var), self.floor)
        if learn:
            self.update(x)
        return score

    def update(self, x: float) -> None:
        if self.count == 0:
            self.mean, self.var = x, 0.0
        else:
            # After the warm-up, learn big outliers only partly, so one violation does not
            # inflate the deviation for the next fifty ticks.
            a = self.alpha if self.count >= self.warmup else 1.0 / (self.count + 1)
            d = x - self.mean
            if self.count >= self.warmup:
                d = max(-4 * max(math.sqrt(self.var), self.floor), min(d, 4 * max(math.sqrt(self.var), self.floor)))
            self.mean += a * d
            self.var = (1 - a) * (self.var + a * d * d)
        self.count += 1

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "var": self.var, "count": self.count}


# The latent dynamics' error is scored on the mean over the whole latent grid, held for two ticks,
# and not while the head turns fast or the sound just changed. Measured with the shipped
# checkpoints on per-tick 6x6 error grids; figures are the world's surprise (after the then 0.5 weight
# of `combine`; the surprise policy speaks at 3):
#   - The largest cell's error (what was scored before) peaks with ordinary walking content: on
#     the unaltered gopro walk one or two cells reach 6.5x the grid's median, surprise 7.5 at
#     3.4 s, 4 alarms in 10 s. Those peaks are local; the grid's mean hardly moves.
#   - Something that really appears (a block painted into the gopro walk) lifts every cell: the
#     fusion transformer spreads it over all tokens (median cell error 0.12 -> 0.63). So for this
#     model "local vs global" is the reverse of the pixel intuition, and the same spreading means
#     the grid cannot say where (its largest cell was 3 to 6 clock hours off on all four blocks):
#     latent surprise comes without a place.
#   - Grid mean alone: gopro 3.2, vtest 3.2 (4 alarms), blocks 5.6-13.6. One tick of a global miss
#     is what a codec keyframe or a dropped frame gives, while a thing that appeared is still
#     unexpected on the next tick: held for 2 ticks, gopro 2.3, vtest 2.1 (no alarm), blocks
#     4.6-12.0 (all four found, 2 ticks after they appear).
#   - A fast head turn changes the whole view as a block does (the gopro walk's last half second
#     at 0.84-1.08 rad/s). With an IMU that is known, not surprising: over HEAD_GATE_RAD_S it is
#     not reported (its error still feeds the statistics). Without an IMU the hold carries it.
#   - Real video needs a second of statistics before z means anything (warm-up 10 ticks, not 5).
#   - The encoder fuses sound into every video token, so a sound that starts or stops moves the
#     whole grid too (a voice mixed into the gopro walk: up to 5.4, "something changed" as it began).
#     Within the encoder's second of audio after such a change (SoundChange) a latent surprise is
#     the ear's, not the eye's, and is not reported. A loud siren that sweeps on and on is not such
#     a change and still reads as one once (7.9 s into the gopro walk with a siren).
LATENT_WARMUP_TICKS = 10
LATENT_HOLD_TICKS = 2
HEAD_GATE_RAD_S = 0.5  # walking wobbles the head at up to ~0.25 rad/s (gopro IMU), a glance is faster


@dataclass
class LatentSurprise:
    """The latent dynamics' surprise: z of the grid's mean error, held, gated by head motion."""

    stats: RunningStats = field(default_factory=lambda: RunningStats(halflife=50, floor=0.02,
                                                                      warmup=LATENT_WARMUP_TICKS))
    recent: list[float] = field(default_factory=list)

    def step(self, cells: np.ndarray, head: tuple[float, float] = (0.0, 0.0), sound_changed: bool = False) -> float:
        """Score this tick's per-cell error grid; `head` is (yaw, pitch) in rad/s (zeros: no IMU);
        `sound_changed`: the sound started or stopped within the encoder's audio window."""
        z = self.stats.z(float(np.mean(cells)))
        self.recent = (self.recent + [z])[-LATENT_HOLD_TICKS:]
        if len(self.recent) < LATENT_HOLD_TICKS or math.hypot(*head) > HEAD_GATE_RAD_S or sound_changed:
            return 0.0
        return min(self.recent)


SOUND_BANDS = np.geomspace(80.0, 8000.0, 17)  # 16 log-spaced bands (Hz), as coarse as an ear's
SOUND_MEMORY_TICKS = 5  # the newest tick's sound is compared with the mean of the ticks before
SOUND_WINDOW_TICKS = 10  # the encoder hears the last second: a change stays in its tokens that long


@dataclass
class SoundChange:
    """Did the sound start or stop within the last second? Log band energies of each tick's
    newest audio against the ticks before, as a z-score. Measured: the voice mixed into the gopro
    walk scores 6.7 as it starts, a siren 9.5 as it stops; the walk's own sound stays under 3
    until its last tick, a block appearing moves nothing here."""

    stats: RunningStats = field(default_factory=lambda: RunningStats(halflife=50, floor=0.05, warmup=10))
    recent: list[np.ndarray] = field(default_factory=list)
    ticks_since: int | None = None

    def step(self, audio: np.ndarray, sample_rate: int, tick_s: float = 0.1) -> bool:
        newest = audio[-int(sample_rate * tick_s):].astype(np.float32) / 32768.0
        if newest.size < 256:
            return False
        spectrum = np.abs(np.fft.rfft(newest * np.hanning(newest.size))) ** 2
        freqs = np.fft.rfftfreq(newest.size, 1.0 / sample_rate)
        bands = np.log(np.array([spectrum[(freqs >= lo) & (freqs < hi)].sum()
                                 for lo, hi in zip(SOUND_BANDS[:-1], SOUND_BANDS[1:])]) + 1e-3)
        changed = False
        if len(self.recent) >= 3:
            changed = self.stats.z(float(np.abs(bands - np.mean(self.recent, axis=0)).mean())) >= 3.0
        self.recent = (self.recent + [bands])[-SOUND_MEMORY_TICKS:]
        if changed:
            self.ticks_since = 0
        elif self.ticks_since is not None:
            self.ticks_since += 1
        return self.ticks_since is not None and self.ticks_since < SOUND_WINDOW_TICKS


def quadrant(where: tuple[float, float] | None) -> str | None:
    """"top-left" ... "bottom-right" for a point given as fractions of the view."""
    if where is None:
        return None
    x, y = where
    return f"{'top' if y < 0.5 else 'bottom'}-{'left' if x < 0.5 else 'right'}"


# A running z-score under one deviation is a stream's ordinary wobble. The object memory's and the
# latent dynamics' errors are whole-scene sums that wobble so on every real clip, and the same on
# both twins of a violation pair: left as they were, their wobble set the clip's peak surprise and
# hid the localised channels' finding (voe_dev: 40 of 48 pairs right with it, 46 with only what
# lies beyond it; deadening every channel so, the motion extrapolation's too, 37: its score is
# already thresholded per pixel, its small values are findings).
ORDINARY_Z = 1.0


def beyond_ordinary(z: float) -> float:
    """How far a whole-scene stream's z lies beyond its ordinary wobble (0 within it)."""
    return max(0.0, z - ORDINARY_Z)


def combine(z_pixels: float, z_latent: float, latent_weight: float = 0.25) -> float:
    """One surprise from the pixel channels' (object memory beyond its wobble, slots, motion
    extrapolation: the largest) and the latent dynamics' z-scores.

    The pixel channels' expectations (a hidden thing must come back, and as itself; what moved
    keeps moving) are the sharper test. The latent stream is down-weighted because an object
    coming out from behind a bar is a large latent change that is not surprising at all (DESIGN.md,
    second micro experiment), and because on real footage it does no better than its untrained
    copy (world.py, LATENT_WEIGHT); and only what lies beyond its wobble counts.
    """
    return max(z_pixels, beyond_ordinary(latent_weight * z_latent))
