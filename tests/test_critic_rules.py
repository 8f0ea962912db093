"""The critic's hard rules and the learned critic, on hand-made proposals (no scene needed)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from glasses_agent.configurator import load_modes
from glasses_agent.critic import Critic, LearnedCritic
from glasses_agent.memory.short_term import ShortTermMemory
from glasses_agent.prompts import PRIORITY_INFO, PRIORITY_SAFETY, Prompt, make_prompt_id

S = 1_000_000_000
MODES = load_modes()


def p(kind: str, t_s: float, text: str = "x", key: str | None = None, **evidence) -> Prompt:
    t = int(t_s * S)
    ev = dict(evidence)
    if key is not None:
        ev["key"] = key
    return Prompt(id=make_prompt_id(kind, t), t_ns=t, kind=kind, text=text,
                  priority=PRIORITY_SAFETY if kind == "hazard" else PRIORITY_INFO, evidence=ev)


def judge(critic: Critic, proposals, mode="explore", context="explore/still"):
    verdicts, allowed = critic.judge(proposals, MODES[mode], context)
    return {v.prompt_id: v for v in verdicts}, allowed


def test_safety_is_judged_first_and_one_other_prompt_a_tick():
    critic = Critic(ShortTermMemory(horizon_s=120))
    props = [p("text_read", 1, key="a"), p("people", 1, key="b"), p("hazard", 1)]
    verdicts, allowed = judge(critic, props)
    assert [a.kind for a in allowed] == ["hazard", "people"]  # safety first, then a deterministic order
    assert verdicts["text_read-3b9aca00"].reason.startswith("budget")
    assert all(v.reason for v in verdicts.values())


def test_min_gap_per_kind_and_no_repeat_of_the_same_information():
    critic = Critic(ShortTermMemory(horizon_s=120))
    _, ok = judge(critic, [p("text_read", 1, key="qr:EXIT")])
    assert ok
    v, ok = judge(critic, [p("text_read", 2, key="qr:ROOM")])  # text_read gap is 2 s in explore
    assert not ok and v["text_read-77359400"].reason.startswith("min gap: text_read sent 1.0 s ago")
    v, ok = judge(critic, [p("text_read", 4, key="qr:EXIT")])
    assert not ok and v["text_read-ee6b2800"].reason == "repeat within 30 s: qr:EXIT"
    _, ok = judge(critic, [p("text_read", 5, key="qr:ROOM")])
    assert ok, "new information after the gap passes"
    _, ok = judge(critic, [p("text_read", 40, key="qr:EXIT")])
    assert ok, "the same information again once the repeat window is over"


def test_cap_per_minute_spares_safety():
    critic = Critic(ShortTermMemory(horizon_s=120))
    kinds = ["text_read", "people", "speech", "low_light", "object_seen", "sound"]
    for i, kind in enumerate(kinds):  # the explore cap is 6 a minute
        _, ok = judge(critic, [p(kind, 1 + i, key=f"k{i}")])
        assert ok
    v, ok = judge(critic, [p("left_behind", 10, key="keys")])
    assert not ok and v["left_behind-2540be400"].reason.startswith("cap: 6 prompts in the last minute")
    _, ok = judge(critic, [p("hazard", 10.5)])
    assert ok, "safety is never capped"
    _, ok = judge(critic, [p("left_behind", 62, key="keys")])
    assert ok, "the cap is per minute: the first prompt has left the window"


def test_quiet_mode_lets_only_safety_through():
    critic = Critic(ShortTermMemory(horizon_s=120))
    v, ok = judge(critic, [p("hazard", 1), p("speech", 1, key="s")], mode="quiet")
    assert [a.kind for a in ok] == ["hazard"]
    assert v["speech-3b9aca00"].reason == "quiet mode: only safety passes"


@pytest.mark.parametrize("evidence", [{"person_name": "Ada"}, {"entity_kind": "person", "name": "Ada"}])
def test_never_identify_a_person(evidence):
    critic = Critic(ShortTermMemory(horizon_s=120))
    v, ok = judge(critic, [p("object_seen", 1, key="seen:Ada", **evidence)])
    assert not ok and v["object_seen-3b9aca00"].reason == "never identify a person"


def test_learned_critic_mutes_a_kind_in_its_context_only_and_never_safety():
    learned = LearnedCritic()
    for _ in range(5):
        learned.update("people", "explore/still", "dismissed")
        learned.update("hazard", "explore/still", "dismissed")  # the agent never does this; the critic must cope
    critic = Critic(ShortTermMemory(horizon_s=120), learned)
    v, ok = judge(critic, [p("people", 1, key="people:2")], context="explore/still")
    assert not ok and v["people-3b9aca00"].reason.startswith("learned: rarely helpful here (p=")
    _, ok = judge(critic, [p("people", 1, key="people:2")], context="navigate/walking")
    assert ok, "another context keeps its own estimate"
    _, ok = judge(critic, [p("hazard", 30)], context="explore/still")
    assert ok, "the learned critic is never asked about safety"


def test_learned_parameters_round_trip_and_helpful_feedback_restores_a_kind():
    learned = LearnedCritic()
    for _ in range(4):
        learned.update("speech", "social/still", "dismissed")
    low = learned.p_helpful("speech", "social/still")
    back = LearnedCritic.from_params(learned.to_params())
    assert back.p_helpful("speech", "social/still") == pytest.approx(low, abs=1e-5)
    for _ in range(6):
        back.update("speech", "social/still", "helpful")
    assert back.p_helpful("speech", "social/still") > 0.5 > low


def test_verdict_order_is_deterministic_whatever_the_proposal_order():
    a = [p("text_read", 1, key="a"), p("people", 1, key="b"), p("hazard", 1)]
    r1 = judge(Critic(ShortTermMemory(horizon_s=120)), a)[0]
    r2 = judge(Critic(ShortTermMemory(horizon_s=120)), list(reversed(a)))[0]
    assert {k: replace(v) for k, v in r1.items()} == r2


def test_a_new_conversation_passes_the_speech_gap_and_one_conversation_gets_two_prompts_a_minute():
    critic = Critic(ShortTermMemory(horizon_s=120))
    _, ok = judge(critic, [p("speech", 1, key="speech@1", occurrence=1, opens=True)])
    assert ok
    # 3.6 s later a new conversation opens (after 3 s of non-speech): told despite the 5 s gap.
    _, ok = judge(critic, [p("speech", 4.6, key="speech@4.6", occurrence=4, opens=True)])
    assert ok
    # An utterance continuing that conversation meets the ordinary gap...
    v, ok = judge(critic, [p("speech", 6, key="speech@6", occurrence=4, opens=False)])
    assert not ok and v["speech-165a0bc00"].reason.startswith("min gap: speech sent 1.4 s ago")
    _, ok = judge(critic, [p("speech", 10, key="speech@10", occurrence=4, opens=False)])
    assert ok
    # ...and a third prompt for the same conversation within the minute is refused in words.
    v, ok = judge(critic, [p("speech", 20, key="speech@20", occurrence=4, opens=False)])
    assert not ok
    assert v["speech-4a817c800"].reason == "one conversation: 2 speech prompts for it in the last minute (at most 2)"
    _, ok = judge(critic, [p("speech", 66, key="speech@66", occurrence=4, opens=False)])
    assert ok, "a minute on, the conversation may be mentioned again"


def test_a_sound_is_alerted_once_an_occurrence_and_each_new_occurrence_again():
    critic = Critic(ShortTermMemory(horizon_s=120))
    _, ok = judge(critic, [p("sound", 1, key="sound:alarm@1", occurrence=1, opens=True)])
    assert ok
    v, ok = judge(critic, [p("sound", 1.5, key="sound:alarm@1", occurrence=1, opens=True)])
    assert not ok and v["sound-59682f00"].reason == "repeat within 30 s: sound:alarm@1"
    _, ok = judge(critic, [p("sound", 6, key="sound:alarm@6", occurrence=6, opens=True)])
    assert ok, "a new occurrence (the alarm went off again) is alerted"


def test_a_surprise_in_the_seconds_after_a_hazard_warning_is_held_back():
    critic = Critic(ShortTermMemory(horizon_s=120))
    _, allowed = judge(critic, [p("hazard", 10)])
    assert [a.kind for a in allowed] == ["hazard"]
    verdicts, allowed = judge(critic, [p("surprise", 11.5, key="s1")])
    assert allowed == [] and verdicts["surprise-" + format(int(11.5 * S), "x")].reason.startswith("hazard warned 1.5 s ago")
    _, allowed = judge(critic, [p("surprise", 13.5, key="s2")])
    assert [a.kind for a in allowed] == ["surprise"]  # 3.5 s on: news again
