"""Cheap classical detectors on reduced frames: low light, QR text, people count, voice, looming.

`DetectorSet.run(tick, every)` returns one `Detections` per tick. The looming cue runs every
tick (hazards must be timely); the rest run every `every`-th tick and are carried over between
runs (marked `fresh=False`), so the loop keeps its budget.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from glasses_agent.detectors.base import Detections, Looming
from glasses_agent.detectors.light import mean_luma
from glasses_agent.detectors.looming import LoomingCue
from streams.sync import Tick

REDUCED_WIDTH = 128  # looming and light
DETAIL_WIDTH = 320  # QR codes and faces need more pixels


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


class DetectorSet:
    def __init__(self, *, qr: bool = True, people: bool = True, speech: bool = True) -> None:
        self.looming = LoomingCue()
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
        self._last: Detections | None = None
        self._last_video_seq: int | None = None

    def run(self, tick: Tick, every: int = 3, *, want: frozenset[str] = frozenset({"qr", "people", "speech"})) -> Detections:
        timings: dict[str, float] = {}
        frame = tick.latest_video
        looming = None
        luma = None
        small = None
        if frame is not None and frame.image.size:
            t0 = time.perf_counter()
            small = shrink(frame.image, REDUCED_WIDTH)
            luma = mean_luma(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if small.ndim == 3 else small)
            if frame.seq != self._last_video_seq:  # a new frame: the cue measures change between frames
                looming = self.looming.update(small, frame.t_ns)
                self._last_video_seq = frame.seq
            elif self._last is not None:
                looming = self._last.looming
            timings["looming_ms"] = (time.perf_counter() - t0) * 1e3
        slow_due = self._last is None or tick.index % max(1, every) == 0
        if not slow_due:
            assert self._last is not None
            last = self._last
            out = Detections(t_ns=tick.t_ns, luma=luma, qr=last.qr, people=last.people, people_x=last.people_x,
                             speech=last.speech, looming=looming, fresh=False, timings_ms=timings)
            self._last = out
            return out
        qr_texts: tuple[tuple[str, float], ...] = ()
        people, people_x, speech = None, (), None
        if frame is not None and frame.image.size and (("qr" in want and self._qr) or ("people" in want and self._people)):
            t0 = time.perf_counter()
            detail = reduce(frame.image, DETAIL_WIDTH)
            if "qr" in want and self._qr is not None:
                qr_texts = self._qr.read(detail)
            timings["qr_ms"] = (time.perf_counter() - t0) * 1e3
            if "people" in want and self._people is not None:
                t0 = time.perf_counter()
                people, people_x = self._people.count(detail)
                timings["people_ms"] = (time.perf_counter() - t0) * 1e3
        if "speech" in want and self._vad is not None and tick.audio_coverage > 0:
            t0 = time.perf_counter()
            speech = self._vad.probability(tick.audio, tick.sample_rate)
            timings["speech_ms"] = (time.perf_counter() - t0) * 1e3
        out = Detections(t_ns=tick.t_ns, luma=luma, qr=qr_texts, people=people, people_x=people_x, speech=speech,
                         looming=looming, fresh=True, timings_ms=timings)
        self._last = out
        return out


__all__ = ["DetectorSet", "Detections", "Looming", "reduce", "shrink"]
