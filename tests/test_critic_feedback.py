"""Feedback from the wearer trains the learned critic, in its context, across restarts, never
against safety. Real scenes, a real memory database, the agent's public API."""

from __future__ import annotations

import pytest

from glasses_agent.agent import Agent, AgentConfig
from glasses_agent.errors import GlassesAgentError
from glasses_agent.scoring.scenes import build
from streams.testing import run_test


def run(memory, scenario: str, mode: str = "explore", seed: int = 0, feedback: str | None = None, kind: str | None = None):
    """One scene through a fresh agent (a restart each time); optionally give feedback on `kind`."""
    agent = Agent(AgentConfig(mode=mode, memory_path=str(memory), perception_checkpoint="none", auto_mode=False))
    try:
        result = run_test(build(scenario, seed, duration_s=6.0).source, agent.stages())
        contexts = result.outputs["critic"]
        prompts = [p for c in contexts for p in c.prompts]
        if feedback:
            for p in prompts:
                if p.kind == kind:
                    agent.feedback(p.id, feedback)
        verdicts = [v for c in contexts for v in c.verdicts]
    finally:
        agent.close()
    return prompts, verdicts


def test_dismissing_a_kind_mutes_it_in_that_context_only_and_survives_a_restart(tmp_path):
    memory = tmp_path / "memory.sqlite3"
    first, _ = run(memory, "read", feedback="dismissed", kind="text_read")
    assert sum(p.kind == "text_read" for p in first) == 2
    run(memory, "read", seed=1, feedback="dismissed", kind="text_read")  # 4 dismissals in explore/still

    muted, verdicts = run(memory, "read", seed=2)  # a fresh agent: what it learned came from memory
    assert not [p for p in muted if p.kind == "text_read"]
    reasons = {v.reason.split(" (")[0] for v in verdicts if v.kind == "text_read"}
    assert reasons == {"learned: rarely helpful here"}

    elsewhere, _ = run(memory, "read", mode="read", seed=2)  # context read/still: untouched
    assert sum(p.kind == "text_read" for p in elsewhere) == 2


def test_helpful_feedback_brings_a_muted_kind_back(tmp_path):
    memory = tmp_path / "memory.sqlite3"
    for seed in (0, 1):
        run(memory, "read", seed=seed, feedback="dismissed", kind="text_read")
    muted, _ = run(memory, "read", seed=2)
    assert not [p for p in muted if p.kind == "text_read"]
    agent = Agent(AgentConfig(memory_path=str(memory), perception_checkpoint="none", auto_mode=False))
    try:
        logged = agent.store.prompts(kind="text_read")
        assert logged, "sent prompts are kept in memory, so feedback works after a restart"
        for record in logged:
            agent.feedback(record["id"], "helpful")
    finally:
        agent.close()
    back, _ = run(memory, "read", seed=3)
    assert sum(p.kind == "text_read" for p in back) == 2


def test_dismissing_hazards_never_mutes_a_hazard(tmp_path):
    memory = tmp_path / "memory.sqlite3"
    for seed in (0, 1, 3):
        hazards, _ = run(memory, "approach", seed=seed, feedback="dismissed", kind="hazard")
        assert any(p.kind == "hazard" for p in hazards)
    again, verdicts = run(memory, "approach", seed=4)
    assert any(p.kind == "hazard" for p in again)
    assert not any(v.reason.startswith("learned") for v in verdicts)


def test_feedback_on_an_unknown_prompt_or_with_a_bad_label_is_a_clear_error(tmp_path):
    agent = Agent(AgentConfig(memory_path=str(tmp_path / "m.sqlite3"), perception_checkpoint="none"))
    try:
        with pytest.raises(GlassesAgentError, match="no prompt 'hazard-1' was sent"):
            agent.feedback("hazard-1", "dismissed")
        with pytest.raises(GlassesAgentError, match="feedback must be one of helpful, dismissed"):
            agent.feedback("hazard-1", "meh")
    finally:
        agent.close()
