"""Time to contact, utterances and conversations, and common alert sounds (issue 18)."""

from __future__ import annotations

import math
from collections import deque
from pathlib import Path

import numpy as np
import pytest

from glasses_agent.actor.senses import Utterances
from glasses_agent.detectors.base import confirmed_tau, time_to_contact
from glasses_agent.detectors.sounds import CommonSounds

S = 1_000_000_000
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is absent")


def test_time_to_contact_of_a_steady_approach_and_of_a_thrown_thing():
    t = np.arange(5) * 0.1
    steady = 0.3 / (3.0 - t)  # contact at 3 s: at t = 0.4 s the time to contact is 2.6 s
    tau, scatter = time_to_contact(t, steady)
    assert tau == pytest.approx(2.6, rel=1e-6) and scatter < 1e-6
    thrown = 0.05 * np.exp(t / 0.4)  # growth at a steady rate: the time to contact holds at 0.4 s
    tau, _ = time_to_contact(t, thrown)
    assert tau == pytest.approx(0.4, rel=1e-6)
    assert time_to_contact(t, np.full(5, 0.2))[0] == math.inf  # not growing: no contact


def test_a_time_to_contact_is_given_only_when_the_ticks_before_agree():
    history: deque = deque()
    # Scenery on a walk: estimates that jump about are never confirmed.
    assert [confirmed_tau(history, i * S // 10, tau) for i, tau in enumerate([1.5, 3.8, 1.2, 4.0, 1.4])] == [math.inf] * 5
    history.clear()
    steady = [confirmed_tau(history, i * S // 10, 2.4 - 0.1 * i) for i in range(5)]
    assert steady[:3] == [math.inf] * 3 and steady[3:] == pytest.approx([2.1, 2.0])  # three before it agree


def _closing_square(center_y: float, t_s: float, contact_s: float = 3.2) -> np.ndarray:
    """A 128x72 grey view of still texture with a dark square closing at a steady speed (contact at
    `contact_s`)."""
    img = np.random.default_rng(0).integers(130, 210, (72, 128)).astype(np.uint8)  # the head's shift locks on it
    side = min(140.0, 40.0 / max(contact_s - t_s, 0.05))  # pixels: size ~ 1 / distance
    cy, cx = center_y * 72, 64
    y0, y1 = int(round(cy - side / 2)), int(round(cy + side / 2))
    x0, x1 = int(round(cx - side / 2)), int(round(cx + side / 2))
    img[max(0, y0):max(0, y1), max(0, x0):x1] = 30
    return img


def _looming_taus(center_y: float, scores: list[float] | None = None) -> list[float]:
    from glasses_agent.detectors.looming import LoomingCue

    cue = LoomingCue()
    out = []
    for i in range(25):
        found = cue.update(_closing_square(center_y, i / 10), i * S // 10)
        out.append(found.tau_s if found is not None else math.inf)
        if scores is not None:
            scores.append(cue.strongest.score if cue.strongest is not None else 0.0)
    return out


def test_a_thing_coming_into_view_past_the_border_has_no_time_to_contact():
    # The same closing square, once in the middle of the view and once with its top cut off by the
    # view's upper border (a car driving in under a camera looking down): only the first is timed.
    inside = _looming_taus(0.5)
    assert any(tau < 2.0 for tau in inside), "a square closing in the middle of the view is timed"
    cut_scores: list[float] = []
    assert all(tau == math.inf for tau in _looming_taus(0.0, cut_scores)), "a box cut by the border grows by what the edge uncovers"
    # ...nor does its growth score (a person walking into a fixed camera's view scored 0.68).
    assert max(cut_scores) == 0.0


def test_utterances_closer_than_3_s_are_one_conversation_and_a_pause_opens_a_new_one():
    u = Utterances()
    began = []
    probs = [0.0] * 5 + [0.9] * 10 + [0.1] * 20 + [0.9] * 8 + [0.1] * 35 + [0.9] * 6 + [0.1] * 3
    for i, p in enumerate(probs):  # one run each 0.1 s
        if u.update(i * S // 10, p, 0.6):
            began.append((round(u.onset_ns / S, 1), u.opened, round(u.conversation / S, 1)))
    # Second utterance after 2 s of quiet: the same conversation; the third after 3.5 s: a new one.
    assert began == [(0.5, True, 0.5), (3.5, False, 0.5), (7.8, True, 7.8)]


def _tone(freq_hz: np.ndarray, amplitude: float = 0.3) -> np.ndarray:
    phase = 2 * np.pi * np.cumsum(freq_hz) / 16_000
    return amplitude * np.sin(phase)


def _run(detector: CommonSounds, x: np.ndarray) -> list[tuple[float, str]]:
    pcm = np.clip(x * 32767, -32768, 32767).astype(np.int16)
    heard = []
    for i in range(1, len(pcm) // 1600 + 1):
        for kind, _ in detector.update(pcm[max(0, i * 1600 - 16_000):i * 1600], i * S // 10):
            heard.append((i / 10, kind))
    return heard


def test_a_siren_sweep_and_a_beeping_alarm_are_told_apart_from_noise_and_a_hum():
    rng = np.random.default_rng(0)
    t = np.arange(6 * 16_000) / 16_000
    noise = rng.normal(0, 0.01, len(t))
    wail = _run(CommonSounds(), _tone(1100 + 400 * np.sin(2 * np.pi * t / 4.0)) + noise)
    assert wail and wail[0][0] <= 1.5 and {k for _, k in wail} == {"siren"}
    gate = (np.floor(t / 0.25) % 2 == 0).astype(float)  # 3 kHz beeps, 0.25 s on, 0.25 s off
    beeps = _run(CommonSounds(), _tone(np.full(len(t), 3000.0)) * gate + noise)
    assert beeps and beeps[0][0] <= 1.5 and {k for _, k in beeps} == {"alarm"}
    hum = _run(CommonSounds(), _tone(np.full(len(t), 600.0)) + noise)  # a motor's steady tone
    assert hum == []
    assert _run(CommonSounds(), noise * 10) == []


@needs_shared
def test_speech_and_the_noise_beds_raise_no_alert():
    from glasses_agent.scoring.sound_eval import detect_occurrences, load_audio

    for rel in ("audio/speech/cmu_arctic_us_aew_a0001.wav", "audio/speech/librispeech_198-209-0000.ogg",
                "audio/noise/speechcommands_doing_the_dishes.wav"):
        assert detect_occurrences(load_audio(SHARED / rel, 15.0)) == [], rel


@needs_shared
def test_an_object_flown_at_the_wearer_over_real_footage_is_warned_of_in_time_and_in_its_direction():
    from glasses_agent.scoring import hazard_eval as he
    from glasses_agent.scoring.approach import Approach

    clip = he.load_ticks(SHARED / "video" / "box.mp4", max_s=9.0)
    case = he.Case(clip.path, Approach(2.0, 6.2, k=0.6, x0=0.3, x1=0.4, y0=0.5, y1=0.5, color=(235, 232, 225)), "light")
    result = he.run_case(clip, case)
    assert result.hit, (result.warned_ns, result.due_ns, result.clock_warned, result.clock_due)
    assert result.false_before == 0


@needs_shared
def test_every_new_conversation_is_told_within_a_second_between_other_sounds(tmp_path):
    from glasses_agent.scoring.scorer import score
    from glasses_agent.scoring.suite import run_scenario

    result, scenario = run_scenario("shared:talk+sounds-reporting", 0, memory_path=str(tmp_path / "memory.sqlite3"))
    required, optional = scenario.expectations()
    assert len([e for e in required if e.kind == "speech"]) == 3
    scores = score(result.prompts, required, optional=optional)
    assert scores["speech"].recall == 1.0 and scores["speech"].precision == 1.0
    assert max(scores["speech"].latencies_ticks) <= 10


def test_navigate_tells_of_a_new_conversation_but_not_of_its_continuation():
    from glasses_agent.actor.base import View
    from glasses_agent.actor.senses import SpeechPolicy
    from glasses_agent.configurator import load_modes
    from glasses_agent.context import TickContext
    from glasses_agent.detectors.base import Detections
    from streams.sync import Tick

    def told(mode: str) -> list[tuple[float, str]]:
        policy, out = SpeechPolicy(), []
        probs = [0.9] * 10 + [0.1] * 15 + [0.9] * 10  # a second utterance 1.5 s after the first: one conversation
        for i, p in enumerate(probs):
            t = (i + 1) * S // 10
            det = Detections(t_ns=t, speech=p, fresh=frozenset({"speech"}))
            ctx = TickContext(tick=Tick(index=i, t_ns=t, video=(), audio=np.zeros(16_000, np.int16)))
            out += [(round(q.t_ns / S, 1), q.text) for q in policy.propose(View(ctx, det, load_modes()[mode], False))]
        return sorted(set(text for _, text in out))

    assert told("explore") == ["Someone is speaking", "Someone is still speaking"]
    assert told("navigate") == ["Someone is speaking"]
