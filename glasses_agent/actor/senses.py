"""Policies on the classical detectors: speech, low light, text read (QR), people present.

Each speaks on an onset (a change worth telling), not on every tick a condition holds: the
critic's gaps and repeat window are a safety net, not the first line against nagging.
"""

from __future__ import annotations

from glasses_agent.actor.base import View, prompt
from glasses_agent.memory.describe import clock_hour, clock_phrase
from glasses_agent.prompts import PRIORITY_HIGH, PRIORITY_INFO, PRIORITY_NORMAL, Prompt
from streams.frames import NS_PER_S


CONVERSATION_GAP_NS = 3 * NS_PER_S  # utterances closer than this (non-speech between) are one conversation
OCCURRENCE_GAP_NS = 3 * NS_PER_S  # a sound heard again after this long of not hearing it is a new occurrence


class Utterances:
    """Voice-activity runs turned into utterances (onset, end) and conversations.

    An utterance begins when voice activity holds over the threshold for CONFIRM_RUNS detector
    runs (a click, a clatter of dishes or a tone onset fools the VAD for a run or two; the
    detectors run it on consecutive ticks while a possible onset is checked); its onset is the
    first of them. It ends
    at the first run well under the threshold (hysteresis). An utterance that begins less than
    CONVERSATION_GAP_NS after the last one ended continues its conversation; otherwise it opens
    a new one, named by its onset.
    """

    CONFIRM_RUNS = 3

    def __init__(self) -> None:
        self.onset_ns: int | None = None  # the current utterance's onset (None: no one speaking)
        self.conversation: int | None = None  # the current conversation's first onset
        self.opened = False  # whether the current utterance opened its conversation
        self._first_above: int | None = None
        self._above = 0
        self._last_end: int | None = None

    def update(self, t_ns: int, probability: float, limit: float) -> bool:
        """Feed one detector run; True when an utterance begins on it."""
        if self.onset_ns is not None:
            if probability < limit * 0.5:
                self._last_end, self.onset_ns = t_ns, None
                self._above, self._first_above = 0, None
            return False
        if probability >= limit:
            self._above += 1
            self._first_above = t_ns if self._first_above is None else self._first_above
        elif probability < limit * 0.5:
            self._above, self._first_above = 0, None
        if self._above < self.CONFIRM_RUNS:
            return False
        self.onset_ns = self._first_above
        self.opened = self._last_end is None or self.onset_ns - self._last_end >= CONVERSATION_GAP_NS
        if self.opened or self.conversation is None:
            self.conversation = self.onset_ns
        return True


class SpeechPolicy:
    """Someone starts speaking: a prompt when an utterance begins, saying whether it opens a new
    conversation. The critic lets a conversation's opening through its min gap and holds any
    conversation to two prompts a minute (`check_occurrence`).

    It keeps proposing for a short while after the onset (one repeat key per utterance), so an
    onset the per-tick budget held back still gets through once it allows.
    """

    kind = "speech"
    ONSET_WINDOW_NS = NS_PER_S

    def __init__(self) -> None:
        self.utterances = Utterances()

    def propose(self, view: View) -> list[Prompt]:
        det = view.detections
        if det is None or det.speech is None or "speech" not in det.fresh:
            return []
        u = self.utterances
        u.update(view.t_ns, det.speech, view.settings.threshold("speech_prob", 0.6))
        if u.onset_ns is None or view.t_ns - u.onset_ns > self.ONSET_WINDOW_NS:
            return []
        if not u.opened and view.settings.threshold("speech_continuations", 1) <= 0:
            return []  # this mode tells of a conversation when it begins, not as it goes on
        text = "Someone is speaking" if u.opened else "Someone is still speaking"
        return [prompt("speech", view.t_ns, text, haptic="tap", probability=det.speech, occurrence=u.conversation,
                       opens=u.opened, onset_ns=u.onset_ns, key=f"speech@{u.onset_ns}")]


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
