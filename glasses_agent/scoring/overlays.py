"""Scripted overlays: events painted into any source's frames and mixed into its audio.

An overlay changes what the sensors report (a QR code held up, the light going out, an object
flying at the wearer, someone speaking) and says what a good agent should then tell the
wearer, as an `Expected` event for the scorer. The agent sees only the altered camera and
microphone; the expectations go to the scorer alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from glasses_agent.memory.describe import clock_hour
from streams.frames import NS_PER_S, AudioChunk, Frame, TruthEvent, VideoFrame


@dataclass(frozen=True)
class Expected:
    """A prompt the agent should give: `kind`, from `onset_ns`, acceptable until `end_ns`.

    `clock` is the direction (clock hour) where it applies, when a direction is part of the
    prompt; `clock_track` gives it over time for things that move, as (t_ns, hour) pairs.
    """

    kind: str
    onset_ns: int
    end_ns: int
    clock: int | None = None
    clock_track: tuple[tuple[int, int], ...] = ()
    what: str = ""
    # Prompts from here on (when earlier than onset_ns) are for this event too, though the onset
    # deadline still counts from onset_ns: a hazard whose time to contact is under the hazard's
    # limit from the moment it shows (something thrown) may rightly be warned of before it is near.
    early_ns: int | None = None

    def clock_at(self, t_ns: int) -> int | None:
        if not self.clock_track:
            return self.clock
        best = min(self.clock_track, key=lambda p: abs(p[0] - t_ns))
        return best[1]


def seconds_ns(s: float) -> int:
    """Stream seconds as the nanoseconds frames and `Expected` are stamped in (rounded)."""
    return int(round(s * NS_PER_S))


class Overlay:
    """A scripted event over [start_s, end_s): paints the frames, mixes the audio, and says what the scorer
    expects."""

    start_s: float
    end_s: float

    def active(self, t_ns: int) -> bool:
        return seconds_ns(self.start_s) <= t_ns < seconds_ns(self.end_s)

    def paint(self, image: np.ndarray, t_s: float) -> np.ndarray:
        return image

    def mix(self, samples: np.ndarray, t0_ns: int, sample_rate: int) -> np.ndarray:
        return samples

    def expected(self) -> list[Expected]:
        return []

    def excused(self) -> list[Expected]:
        """Prompts that would be right here but are not required (the scorer's optional events)."""
        return []


@dataclass(frozen=True)
class QrCard(Overlay):
    """A QR code held up in view: a white card with the code, `height` of the view tall."""

    start_s: float
    end_s: float
    text: str
    x: float = 0.7  # centre across the view
    y: float = 0.5
    height: float = 0.45

    def paint(self, image: np.ndarray, t_s: float) -> np.ndarray:
        code = cv2.QRCodeEncoder.create().encode(self.text)
        h, w = image.shape[:2]
        side = max(29, int(self.height * h))
        card = cv2.resize(code, (side, side), interpolation=cv2.INTER_NEAREST)
        card = np.pad(card, side // 8, constant_values=255)  # the quiet zone a printed code has
        card = cv2.cvtColor(card, cv2.COLOR_GRAY2RGB)
        ch, cw = card.shape[:2]
        x0 = int(np.clip(self.x * w - cw / 2, 0, max(0, w - cw)))
        y0 = int(np.clip(self.y * h - ch / 2, 0, max(0, h - ch)))
        out = image.copy()
        out[y0:y0 + ch, x0:x0 + cw] = card[: h - y0, : w - x0]
        return out

    def expected(self) -> list[Expected]:
        return [Expected("text_read", seconds_ns(self.start_s), seconds_ns(self.end_s), clock=clock_hour(self.x),
                         what=self.text)]


@dataclass(frozen=True)
class Darkness(Overlay):
    """The light goes out: the image dims to `level` of its brightness."""

    start_s: float
    end_s: float
    level: float = 0.06

    def paint(self, image: np.ndarray, t_s: float) -> np.ndarray:
        return (image.astype(np.float32) * self.level).astype(np.uint8)

    def expected(self) -> list[Expected]:
        return [Expected("low_light", seconds_ns(self.start_s), seconds_ns(self.end_s), what="dark")]


@dataclass(frozen=True)
class Looming(Overlay):
    """Something flies at the wearer: a dark disc that grows from `size0` to `size1` (fractions of
    the view's height) while drifting from `x0` to `x1`. A hazard once it is big and growing."""

    start_s: float
    end_s: float
    x0: float = 0.75
    x1: float = 0.6
    y: float = 0.55
    size0: float = 0.06
    size1: float = 0.7
    color: tuple[int, int, int] = (30, 30, 36)
    near: float = 0.25  # height from which it counts as a hazard
    tau_warn_s: float = 2.0  # a time to contact under this is a hazard however small it still is (issue 18)

    def _at(self, t_s: float) -> tuple[float, float]:
        f = (t_s - self.start_s) / (self.end_s - self.start_s)
        size = self.size0 * (self.size1 / self.size0) ** f
        return self.x0 + (self.x1 - self.x0) * f, size

    def paint(self, image: np.ndarray, t_s: float) -> np.ndarray:
        h, w = image.shape[:2]
        x, size = self._at(t_s)
        out = image.copy()
        cv2.circle(out, (int(x * w), int(self.y * h)), max(1, int(size * h / 2)), self.color, -1, lineType=cv2.LINE_AA)
        return out

    def expected(self) -> list[Expected]:
        growth = math.log(self.size1 / self.size0) / (self.end_s - self.start_s)
        onset_s = self.start_s + math.log(self.near / self.size0) / growth
        # Its size grows exponentially: its time to contact is 1 / growth throughout. Under the
        # hazard's limit, a warning while it is still small is early, not false; it is due (the
        # onset the latency counts from) once it is near all the same.
        early_s = self.start_s if 1.0 / growth < self.tau_warn_s else None
        first = onset_s if early_s is None else early_s
        track = tuple((seconds_ns(t), clock_hour(self._at(t)[0])) for t in np.arange(first, self.end_s + 0.5, 0.1))
        return [Expected("hazard", seconds_ns(onset_s), seconds_ns(self.end_s + 1.0), clock_track=track,
                         what="looming disc", early_ns=None if early_s is None else seconds_ns(early_s))]


@dataclass(frozen=True)
class Appears(Overlay):
    """Something appears out of nowhere: a solid coloured block pops into the view at (`x`, `y`)
    and stays until `end_s`. Nothing moved it in and no object went behind anything there: a
    surprise from the first frame that shows it. Its going is a change too, so a surprise then is
    excused (not required: the critic's gap between surprises may well hold it back).

    The block is fixed in the view, which nothing real is while the head turns: keep it clear of
    fast turns (on the gopro walk the classical looming cue took it for something coming then)."""

    start_s: float
    end_s: float
    x: float = 0.3
    y: float = 0.5
    size: float = 0.25  # side as a fraction of the view's height
    color: tuple[int, int, int] = (220, 40, 40)
    window_s: float = 1.5  # a surprise prompt this long after the onset is still about it

    def paint(self, image: np.ndarray, t_s: float) -> np.ndarray:
        h, w = image.shape[:2]
        side = max(4, int(self.size * h))
        x0 = int(np.clip(self.x * w - side / 2, 0, max(0, w - side)))
        y0 = int(np.clip(self.y * h - side / 2, 0, max(0, h - side)))
        out = image.copy()
        out[y0:y0 + side, x0:x0 + side] = self.color
        return out

    def expected(self) -> list[Expected]:
        end = min(self.end_s, self.start_s + self.window_s)
        return [Expected("surprise", seconds_ns(self.start_s), seconds_ns(end), clock=clock_hour(self.x),
                         what="block appears")]

    def excused(self) -> list[Expected]:
        return [Expected("surprise", seconds_ns(self.end_s), seconds_ns(self.end_s + self.window_s),
                         clock=clock_hour(self.x), what="block goes")]


@dataclass(frozen=True)
class Voice(Overlay):
    """Someone speaks: `samples` (int16 at 16 kHz) mixed into the microphone from `start_s`."""

    start_s: float
    samples: np.ndarray = field(repr=False)
    gain: float = 1.0
    label: str = "speech"
    is_speech: bool = True  # False: a sound that must not be taken for speech (a siren)
    # Conversations: with `announce_s`, the speech prompt is due within this long of the voice's
    # own onset (where it starts to sound, not where its file starts) when it `opens` a
    # conversation; an utterance that continues one may be told (excused) but is not due.
    announce_s: float | None = None
    opens: bool = True
    # A common alert sound (alarm, siren): a "sound" prompt is right while it plays (excused);
    # with `sound_due`, one is due within `announce_s` of its onset (without, while it plays).
    sound_kind: str | None = None
    sound_due: bool = False

    @property
    def end_s(self) -> float:  # type: ignore[override]
        return self.start_s + len(self.samples) / 16_000

    @property
    def voice_onset_s(self) -> float:
        """Where the recording starts to sound: the first 20 ms frame whose RMS reaches a tenth
        of its loudest frame's (files carry lead-in silence of their own)."""
        frame = 320
        n = len(self.samples) // frame
        if n == 0:
            return self.start_s
        rms = np.sqrt((self.samples[: n * frame].astype(np.float32).reshape(n, frame) ** 2).mean(axis=1))
        first = int(np.argmax(rms >= 0.1 * rms.max())) if rms.max() > 0 else 0
        return self.start_s + first * frame / 16_000

    def mix(self, samples: np.ndarray, t0_ns: int, sample_rate: int) -> np.ndarray:
        if sample_rate != 16_000:
            return samples
        offset = int(round((t0_ns - seconds_ns(self.start_s)) * sample_rate / NS_PER_S))
        lo, hi = max(0, offset), min(len(self.samples), offset + len(samples))
        if hi <= lo:
            return samples
        out = samples.astype(np.int32)
        out[lo - offset : hi - offset] += (self.samples[lo:hi].astype(np.float32) * self.gain).astype(np.int32)
        return np.clip(out, -32768, 32767).astype(np.int16)

    def expected(self) -> list[Expected]:
        if not self.is_speech:
            if self.sound_kind is not None and self.sound_due:
                onset = self.voice_onset_s
                end = onset + self.announce_s if self.announce_s is not None else self.end_s
                return [Expected("sound", seconds_ns(onset), seconds_ns(end), what=self.sound_kind)]
            return []
        if self.announce_s is not None:
            if not self.opens:
                return []
            onset = self.voice_onset_s
            return [Expected("speech", seconds_ns(onset), seconds_ns(onset + self.announce_s),
                             what=f"{self.label} (opens)")]
        return [Expected("speech", seconds_ns(self.start_s), seconds_ns(self.end_s), what=self.label)]

    def excused(self) -> list[Expected]:
        if self.is_speech and self.announce_s is not None:
            return [Expected("speech", seconds_ns(self.voice_onset_s), seconds_ns(self.end_s), what=self.label)]
        if self.sound_kind is not None:
            return [Expected("sound", seconds_ns(self.voice_onset_s), seconds_ns(self.end_s + 0.5),
                             what=self.sound_kind)]
        return []


class OverlaySource:
    """Wraps a `FrameSource`; paints video and mixes audio with the overlays active at each frame.

    Ground truth passing through (a synthetic scene's truth channel) is kept in `truth` for the
    scorer; the pipeline's synchroniser drops it before the agent.
    """

    def __init__(self, base: Any, overlays: list[Overlay] = (), until_s: float | None = None) -> None:
        self.base = base
        self.overlays = list(overlays)
        self.truth: list[TruthEvent] = []
        self.until_ns = None if until_s is None else seconds_ns(until_s)  # frames after this are not passed on

    def frames(self) -> Iterator[Frame]:
        self.truth = []
        for frame in self.base.frames():
            if self.until_ns is not None and frame.t_ns > self.until_ns:
                break
            if isinstance(frame, TruthEvent):
                self.truth.append(frame)
            elif isinstance(frame, VideoFrame):
                image = frame.image
                for o in self.overlays:
                    if o.active(frame.t_ns):
                        image = o.paint(image, frame.t_ns / NS_PER_S)
                if image is not frame.image:
                    frame = replace(frame, image=image, jpeg=None)  # the old JPEG no longer shows it
            elif isinstance(frame, AudioChunk):
                samples = frame.samples
                for o in self.overlays:
                    samples = o.mix(samples, frame.t_ns, frame.sample_rate)
                if samples is not frame.samples:
                    frame = replace(frame, samples=samples)
            yield frame

    def describe(self) -> dict[str, Any]:
        info = dict(self.base.describe())
        info["overlays"] = [type(o).__name__ for o in self.overlays]
        return info

    def expected(self) -> list[Expected]:
        return [e for o in self.overlays for e in o.expected()]

    def excused(self) -> list[Expected]:
        return [e for o in self.overlays for e in o.excused()]
