"""Cheap classical detectors on reduced frames and the microphone: low light, QR text, people count,
voice, common alert sounds, looming.

`DetectorSet.run(tick, every)` returns one `Detections` per tick. The looming cue runs every
tick (hazards must be timely; three cues, `looming`, `regions` and the world's object boxes timed by
`object_looks`, the most urgent wins); the slow ones (voice, QR, faces) run on their own staggered
schedules and are carried over between runs (`fresh` names those that ran), so the loop keeps
its budget.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import cv2
import numpy as np

from glasses_agent.detectors.base import Detections, Looming, strongest, urgency
from glasses_agent.detectors.light import mean_luma
from glasses_agent.detectors.looming import LoomingCue
from glasses_agent.detectors.object_looks import Box, ObjectLookCue
from glasses_agent.detectors.place_readings import PlaceReadings
from glasses_agent.detectors.regions import RegionGrowthCue
from streams.sync import Tick

REDUCED_WIDTH = 128  # looming and light
QR_WIDTH = 320  # QR modules need a few pixels each
PEOPLE_WIDTH = 240  # faces of a tenth of the view's width and up
QR_EVERY = 4  # ticks between QR reads (offset 1)
PEOPLE_EVERY = 10  # ticks between face counts (offset 2)
MAYBE_SPEECH = 0.3  # voice activity from which the next tick checks again (a possible onset)
SPEECH_CONFIRM_RUNS = 3  # ...until this many runs in a row (what SpeechPolicy's Utterances confirms on)


def shrink(image: np.ndarray, width: int) -> np.ndarray:
    """A copy at most `width` wide, aspect kept (colour stays colour)."""
    h, w = image.shape[:2]
    if w <= width:
        return image
    return cv2.resize(image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def reduce(image: np.ndarray, width: int) -> np.ndarray:
    """A grey copy at most `width` wide, aspect kept."""
    small = shrink(image, width)
    return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if small.ndim == 3 else small


def _stronger(a: Looming | None, b: Looming | None) -> Looming | None:
    """The two looming cues see different things (change that grows; a region that grows): either may warn."""
    if a is None or b is None:
        return a or b
    return a if urgency(a) >= urgency(b) else b


class DetectorSet:
    """The classical detectors of one agent: looming and light every tick, voice, QR and faces on staggered
    slower schedules (`run`)."""

    def __init__(self, *, qr: bool = True, people: bool = True, speech: bool = True) -> None:
        self.looming = LoomingCue()
        self.regions = RegionGrowthCue()  # holds up while the wearer walks, where change-finding does not
        self.objects = ObjectLookCue()  # the world model's object boxes, where neither cue finds a box of the thing's size
        self.places = PlaceReadings()  # the three cues' readings confirmed by place, where no one track lasts
        self._qr = None
        self._people = None
        self._vad = None
        if qr:
            from glasses_agent.detectors.qr import QrReader

            self._qr = QrReader()
        if people:
            from glasses_agent.detectors.people import PeopleCounter

            self._people = PeopleCounter()
        if speech:
            from glasses_agent.detectors.vad import VoiceActivity

            self._vad = VoiceActivity()
        self._sounds = None
        if speech:  # the microphone's detectors come together
            from glasses_agent.detectors.sounds import CommonSounds

            self._sounds = CommonSounds()
        self._last: Detections | None = None
        self._last_video_seq: int | None = None
        self._speech_run = 0  # voice-activity runs in a row at MAYBE_SPEECH or more

    def run(self, tick: Tick, every: int = 3, *, want: frozenset[str] = frozenset({"qr", "people", "speech"}),
            objects: Sequence[tuple[int, Box]] = ()) -> Detections:
        """This tick's detections. Voice runs every `every` ticks, QR codes every QR_EVERY and
        faces every PEOPLE_EVERY, staggered so no tick pays for two slow ones; between runs
        each keeps its last value. `objects`: the world model's visible object boxes of the tick
        before ((track id, box) each), timed by their appearance as a third looming cue."""
        timings: dict[str, float] = {}
        frame = tick.latest_video
        looming = self._last.looming if self._last is not None else None
        growing = self._last.growing if self._last is not None else None
        luma = None
        if frame is not None and frame.image.size:
            t0 = time.perf_counter()
            small = shrink(frame.image, REDUCED_WIDTH)
            luma = mean_luma(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if small.ndim == 3 else small)
            if frame.seq != self._last_video_seq:  # a new frame: the cue measures change between frames
                by_change = self.looming.update(small, frame.t_ns)
                looming = _stronger(by_change, self.regions.update(small, frame.t_ns, self.looming.frames_for_scale))
                looming = _stronger(looming, self.objects.update(objects, frame.t_ns, self.looming.frames_for_scale))
                readings = self.looming.readings(frame.t_ns) + self.regions.readings() + self.objects.readings(frame.t_ns)
                looming = _stronger(looming, self.places.update(frame.t_ns, readings))
                growing = strongest(self.looming.strongest, self.regions.strongest)
                self._last_video_seq = frame.seq
            timings["looming_ms"] = (time.perf_counter() - t0) * 1e3
        last = self._last
        qr = last.qr if last is not None else ()
        people, people_x = (last.people, last.people_x) if last is not None else (None, ())
        speech = last.speech if last is not None else None
        fresh: set[str] = set()
        sounds: tuple[tuple[str, float], ...] = ()
        # Whatever the mode reads: alerts are cheap, and the sound policy runs in most modes.
        if self._sounds is not None and tick.audio_coverage > 0 and tick.sample_rate == 16_000:
            t0 = time.perf_counter()  # cheap (an FFT of the newest ~0.1 s): every tick, so onsets are prompt
            sounds = self._sounds.update(tick.audio, tick.t_ns)
            timings["sounds_ms"] = (time.perf_counter() - t0) * 1e3
            fresh.add("sounds")
        i = tick.index
        has_image = frame is not None and frame.image.size > 0
        # Speech that may be starting is checked again on the next tick, not `every` ticks on:
        # an utterance is confirmed by two runs and due to be told within a second of its onset.
        maybe_onset = 0 < self._speech_run < SPEECH_CONFIRM_RUNS
        if "speech" in want and self._vad is not None and (i % max(1, every) == 0 or maybe_onset):
            t0 = time.perf_counter()
            speech = self._vad.probability(tick.audio, tick.sample_rate) if tick.audio_coverage > 0 else 0.0
            self._speech_run = self._speech_run + 1 if speech >= MAYBE_SPEECH else 0
            timings["speech_ms"] = (time.perf_counter() - t0) * 1e3
            fresh.add("speech")
        elif "qr" in want and self._qr is not None and has_image and i % QR_EVERY == 1:
            t0 = time.perf_counter()
            qr = self._qr.read(reduce(frame.image, QR_WIDTH))
            timings["qr_ms"] = (time.perf_counter() - t0) * 1e3
            fresh.add("qr")
        elif "people" in want and self._people is not None and has_image and i % PEOPLE_EVERY == 2:
            t0 = time.perf_counter()
            people, people_x = self._people.count(reduce(frame.image, PEOPLE_WIDTH))
            timings["people_ms"] = (time.perf_counter() - t0) * 1e3
            fresh.add("people")
        out = Detections(t_ns=tick.t_ns, luma=luma, qr=qr, people=people, people_x=people_x, speech=speech,
                         looming=looming, growing=growing, sounds=sounds, fresh=frozenset(fresh), timings_ms=timings)
        self._last = out
        return out


__all__ = ["DetectorSet", "Detections", "Looming", "reduce", "shrink"]
