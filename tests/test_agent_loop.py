"""The agent loop end to end: the demo, deterministic replays, MCAP output, modes and context.

Everything runs real parts: generated scenes, the real pipeline on a virtual clock, a real
SQLite memory in a temporary folder, the real command line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glasses_agent.agent import Agent, AgentConfig
from glasses_agent.errors import GlassesAgentError
from glasses_agent.scoring.scenes import build
from streams.frames import Event
from streams.testing import run_test
from tools.cli import main


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def make_agent(tmp_path: Path, **config) -> Agent:
    config.setdefault("perception_checkpoint", "none")
    return Agent(AgentConfig(memory_path=str(tmp_path / "memory.sqlite3"), **config))


def test_run_demo_prints_prompts_records_them_and_replays_byte_identically(capsys, tmp_path):
    rec, live = tmp_path / "demo.mcap", tmp_path / "live.jsonl"
    code, out, err = cli(capsys, "run", "--demo", "--perception", "none", "--record-out", str(rec),
                         "--prompts-out", str(live))
    assert code == 0, err
    lines = [line.split() for line in out.splitlines() if line[:1] == " " and line.strip()[:1].isdigit()]
    kinds = [parts[1] for parts in lines]
    assert {"hazard", "text_read", "speech", "low_light"} <= set(kinds), out
    assert "QR at 2 o'clock: PLATFORM 4" in out

    # The recording holds the streams and, beside them, what the agent said and why.
    from streams.recording import McapReplaySource

    source = McapReplaySource(rec)
    prompts = [m.data for m in source.json_messages("/agent/prompts")]
    traces = [m.data for m in source.json_messages("/agent/trace")]
    assert [p["kind"] for p in prompts] == kinds
    assert len(traces) == 160 and all({"t_ns", "mode", "entities", "proposals", "verdicts"} <= set(t) for t in traces)

    # Replaying that recording at --speed max gives the same prompts, byte for byte, every time.
    outs = []
    for i in range(2):
        p, t = tmp_path / f"p{i}.jsonl", tmp_path / f"t{i}.jsonl"
        code, _, err = cli(capsys, "replay", str(rec), "--prompts-out", str(p), "--trace-out", str(t),
                           "--perception", "none", "--memory", str(tmp_path / f"m{i}.sqlite3"))
        assert code == 0, err
        outs.append((p.read_bytes(), t.read_bytes()))
    assert outs[0] == outs[1]
    # The recording stores JPEG frames, so measured values may differ in the last digit; what
    # was said, when and why not.
    said = lambda data: [(r["id"], r["text"]) for r in map(json.loads, data.splitlines())]  # noqa: E731
    assert said(outs[0][0]) == said(live.read_bytes()), "the replay says what the live run said"


def test_trace_records_explain_every_decision(tmp_path):
    agent = make_agent(tmp_path, auto_mode=False)
    try:
        result = run_test(build("demo", 3).source, agent.stages())
        contexts = result.outputs["critic"]
        records = [agent.trace_record(c) for c in contexts]
    finally:
        agent.close()
    assert len(records) == 160
    for r in records:
        assert {"t_ns", "surprise", "mode", "entities", "proposals", "verdicts"} <= set(r)
        assert len(r["verdicts"]) == len(r["proposals"])
        assert all(v["reason"] for v in r["verdicts"])
        json.dumps(r)  # JSON-able as it is
    said = [p for c in contexts for p in c.prompts]
    assert all(len(p.text) <= 48 for p in said)
    assert len({p.id for p in said}) == len(said)
    held = [v for r in records for v in r["verdicts"] if not v["allowed"]]
    assert held and all(v["reason"] != "ok" for v in held)


def test_quiet_mode_lets_only_hazards_through(tmp_path):
    agent = make_agent(tmp_path, auto_mode=False)
    try:
        agent.set_mode("quiet")
        assert agent.mode == "quiet"
        contexts = run_test(build("demo", 3).source, agent.stages()).outputs["critic"]
    finally:
        agent.close()
    said = [p.kind for c in contexts for p in c.prompts]
    assert said and set(said) == {"hazard"}


def test_walking_switches_explore_to_navigate_but_never_a_commanded_mode(tmp_path):
    scene = lambda: build("approach", 0).source.base  # noqa: E731
    from streams.sources.synthetic import SyntheticSource

    walk = SyntheticSource(seed=1, duration_s=8, scenario="mixed")  # the mixed scene walks
    agent = make_agent(tmp_path)
    try:
        contexts = run_test(walk, agent.stages()).outputs["critic"]
        assert agent.mode == "navigate"
        modes = [c.mode for c in contexts]
        assert modes[0] == "explore" and modes[-1] == "navigate"
        navigating = [p for c in contexts[modes.index("navigate"):] for p in c.prompts]
        assert not any(p.kind in ("people", "text_read") for p in navigating)
        # Navigate tells of speech only as a new conversation (issue 18), never its continuation.
        assert all(p.evidence.get("opens") for p in navigating if p.kind == "speech")
    finally:
        agent.close()
    agent = make_agent(tmp_path, mode="social")
    try:
        run_test(SyntheticSource(seed=1, duration_s=8, scenario="mixed"), agent.stages())
        assert agent.mode == "social"
        run_test(scene(), agent.stages())
    finally:
        agent.close()


def test_low_battery_halves_the_tick_rate_until_charged(tmp_path):
    from streams.sources.synthetic import SyntheticSource

    frames = list(SyntheticSource(seed=0, duration_s=6, scenario="quiet").frames())
    frames.append(Event(t_ns=2_000_000_000, seq=0, source="telemetry", name="telemetry", data={"battery": 0.1}))
    frames.append(Event(t_ns=4_000_000_000, seq=1, source="telemetry", name="telemetry", data={"battery_pct": 80}))
    agent = make_agent(tmp_path)
    try:
        result = run_test(frames, agent.stages())
    finally:
        agent.close()
    ticks = [c.t_ns / 1e9 for c in result.outputs["critic"]]
    low = [t for t in ticks if 2.0 <= t < 4.0]
    high = [t for t in ticks if 4.0 <= t < 6.0]
    assert len(low) == 10 and len(high) == 20, (len(low), len(high))


def test_modes_come_from_a_toml_file_the_wearer_can_edit(tmp_path):
    from glasses_agent.configurator.modes import DEFAULT_MODES_FILE

    text = DEFAULT_MODES_FILE.read_text().replace('[modes.explore]\n', '[modes.explore]\npolicies = ["hazard", "low_light"]\n')
    mine = tmp_path / "modes.toml"
    mine.write_text(text)
    agent = make_agent(tmp_path, modes_file=str(mine), auto_mode=False)
    try:
        said = {p.kind for c in run_test(build("demo", 3).source, agent.stages()).outputs["critic"] for p in c.prompts}
    finally:
        agent.close()
    assert said == {"hazard", "low_light"}

    bad = tmp_path / "bad.toml"
    bad.write_text("[modes.explore\n")
    with pytest.raises(GlassesAgentError, match="not valid TOML"):
        make_agent(tmp_path, modes_file=str(bad))


def test_bad_requests_are_one_line_errors(capsys, tmp_path):
    code, _, err = cli(capsys, "run", "--demo", "--perception", "none", "--mode", "sleepy")
    assert code == 1 and err.count("\n") == 1 and "unknown mode 'sleepy'" in err
    agent = make_agent(tmp_path)
    try:
        with pytest.raises(GlassesAgentError, match="unknown mode"):
            agent.set_mode("dreaming")
        assert agent.mode == "explore"
        with pytest.raises(GlassesAgentError, match="needs the world model"):
            ctx = run_test(build("quiet", 0, duration_s=1.0).source, agent.stages()).outputs["critic"][0]
            agent.enroll("keys", ctx, (0.4, 0.4, 0.2, 0.2))
    finally:
        agent.close()
    code, _, err = cli(capsys, "replay", str(tmp_path / "nope.mcap"), "--prompts-out", str(tmp_path / "p.jsonl"))
    assert code == 1 and "no such file" in err
