"""The scene's sound: background hiss plus the `SoundEvent`s, as a pure function of sample index.

`render_audio(scene, start, n, rate)` gives the same samples for the same instants however the
stream is cut into chunks: hiss comes in one-second blocks keyed by (seed, block), and events are
computed from their own start, so chunk size never changes what is heard.
"""

from __future__ import annotations

import math

import numpy as np

from streams.sources.synthetic.scene import Scene, SoundEvent

ATTACK_S = 0.010  # short ramps: a hard on/off would click, and clicks are broadband "events" too
RELEASE_S = 0.030


def _envelope(event: SoundEvent, t: np.ndarray) -> np.ndarray:
    """Gain over the event's local time t (seconds since its start)."""
    d = event.duration_s
    ramp = np.minimum(1.0, np.minimum(t / ATTACK_S, (d - t) / RELEASE_S))
    if event.envelope == "rise":
        ramp = ramp * (0.1 + 0.9 * t / d)
    return np.clip(ramp, 0.0, 1.0)


def _event_wave(scene: Scene, index: int, event: SoundEvent, t: np.ndarray, sample_rate: int) -> np.ndarray:
    if event.kind == "tone":
        wave = np.sin(2 * np.pi * event.freq * t)
    elif event.kind == "chirp":
        # Phase of a linear glide: the integral of the instantaneous frequency.
        k = (event.freq_end - event.freq) / event.duration_s
        wave = np.sin(2 * np.pi * (event.freq * t + 0.5 * k * t * t))
    elif event.kind == "noise":
        # The whole burst from its own key, then the slice asked for: independent of chunking.
        total = int(math.ceil(event.duration_s * sample_rate)) + 1
        burst = np.random.default_rng([scene.seed, 3, index]).uniform(-1.0, 1.0, size=total)
        wave = burst[np.clip(np.rint(t * sample_rate).astype(int), 0, total - 1)]
    else:
        raise ValueError(f"unknown sound kind {event.kind!r}; expected tone, chirp or noise")
    return event.amplitude * _envelope(event, t) * wave


def _hiss(scene: Scene, start: int, n: int, sample_rate: int) -> np.ndarray:
    out = np.empty(n)
    pos = start
    while pos < start + n:
        block, offset = divmod(pos, sample_rate)
        take = min(sample_rate - offset, start + n - pos)
        noise = np.random.default_rng([scene.seed, 2, block]).normal(0.0, scene.audio_noise, size=sample_rate)
        out[pos - start:pos - start + take] = noise[offset:offset + take]
        pos += take
    return out


def render_audio(scene: Scene, start: int, n: int, sample_rate: int) -> np.ndarray:
    """Samples [start, start + n) as floats in [-1, 1] (before quantising)."""
    if n <= 0:
        return np.zeros(0)
    out = _hiss(scene, start, n, sample_rate) if scene.audio_noise > 0 else np.zeros(n)
    t_abs = (start + np.arange(n)) / sample_rate
    for index, event in enumerate(scene.sounds):
        lo, hi = event.start_s, event.start_s + event.duration_s
        if hi <= t_abs[0] or lo > t_abs[-1]:
            continue
        inside = (t_abs >= lo) & (t_abs < hi)
        out[inside] += _event_wave(scene, index, event, t_abs[inside] - lo, sample_rate)
    return np.clip(out, -1.0, 1.0)


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    return np.rint(samples * 32767).astype(np.int16)
