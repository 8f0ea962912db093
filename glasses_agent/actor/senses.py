"""Policies on the classical detectors: speech, low light, text read (QR), people present.

Each speaks on an onset (a change worth telling), not on every tick a condition holds: the
critic's gaps and repeat window are a safety net, not the first line against nagging.
"""

from __future__ import annotations

from glasses_agent.actor.base import View, prompt
from glasses_agent.memory.describe import clock_hour, clock_phrase
from glasses_agent.prompts import PRIORITY_HIGH, PRIORITY_INFO, PRIORITY_NORMAL, Prompt
from streams.frames import NS_PER_S


class SpeechPolicy:
    """Someone starts speaking: voice activity holds over the threshold for two detector runs
    (a click or a tone onset fools the VAD for one) after a quiet spell.

    It keeps proposing for a short while after the onset (with one repeat key per utterance),
    so an onset the critic held back for its min gap still gets through once the gap is over.
    """

    kind = "speech"
    CONFIRM_RUNS = 2
    ONSET_WINDOW_NS = 2 * NS_PER_S

    def __init__(self) -> None:
        self._onset_ns: int | None = None
        self._above = 0

    def propose(self, view: View) -> list[Prompt]:
        det = view.detections
        if det is None or det.speech is None or "speech" not in det.fresh:
            return []
        limit = view.settings.threshold("speech_prob", 0.6)
        if det.speech >= limit:
            self._above += 1
        elif det.speech < limit * 0.5:
            self._above = 0
            self._onset_ns = None  # hysteresis: it ends well below where it starts
        if self._onset_ns is None and self._above >= self.CONFIRM_RUNS:
            self._onset_ns = view.t_ns
        if self._onset_ns is None or view.t_ns - self._onset_ns > self.ONSET_WINDOW_NS:
            return []
        return [prompt("speech", view.t_ns, "Someone is speaking", haptic="tap", probability=det.speech,
                       key=f"speech@{self._onset_ns}")]


class LowLightPolicy:
    """The view turns dark (with hysteresis, so a flicker at the threshold does not repeat it)."""

    kind = "low_light"

    def __init__(self) -> None:
        self._dark = False
        self._dark_ticks = 0

    def propose(self, view: View) -> list[Prompt]:
        det = view.detections
        if det is None or det.luma is None:
            return []
        limit = view.settings.threshold("low_light_luma", 0.12)
        if det.luma < limit:
            self._dark_ticks += 1
        elif det.luma > limit * 1.5:
            self._dark_ticks = 0
            self._dark = False
        if not self._dark and self._dark_ticks >= 3:
            self._dark = True
            return [prompt("low_light", view.t_ns, "It is dark here: mind your step", priority=PRIORITY_HIGH,
                           haptic="tap", luma=det.luma, key="low_light")]
        return []


class TextReadPolicy:
    """A QR code came into view: read it out (once per text within the repeat window)."""

    kind = "text_read"

    def propose(self, view: View) -> list[Prompt]:
        det = view.detections
        if det is None or "qr" not in det.fresh or not det.qr:
            return []
        return [prompt("text_read", view.t_ns, f"QR {clock_phrase(x)}: {text}", priority=PRIORITY_INFO, ordinal=i,
                       qr=text[:200], x=x, clock=clock_hour(x), key=f"qr:{text[:200]}")
                for i, (text, x) in enumerate(det.qr)]


class PeoplePolicy:
    """How many people are present, when that changes and holds for two runs; never who."""

    kind = "people"

    def __init__(self) -> None:
        self._announced = 0
        self._candidate: int | None = None
        self._seen = 0

    def propose(self, view: View) -> list[Prompt]:
        det = view.detections
        if det is None or det.people is None or "people" not in det.fresh:
            return []
        n = det.people
        if n != self._candidate:
            self._candidate, self._seen = n, 1
            return []
        self._seen += 1
        if self._seen < 2 or n == self._announced:
            return []
        self._announced = n
        if n < view.settings.threshold("people_min", 1):
            return []
        if n == 1:
            text = f"1 person {clock_phrase(det.people_x[0])}" if det.people_x else "1 person here"
        else:
            text = f"{n} people here"
        return [prompt("people", view.t_ns, text, priority=PRIORITY_NORMAL, count=n, key=f"people:{n}")]
