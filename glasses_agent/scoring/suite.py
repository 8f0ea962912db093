"""Run the scenario suite: each scenario through a fresh agent, lock-step, then score the prompts.

    from glasses_agent.scoring.suite import run_suite
    report = run_suite(memory_dir=tmp)          # generated + shared (where ../shared/data exists)
    print(format_table(report.scores))
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glasses_agent.errors import GlassesAgentError
from glasses_agent.scoring.scenes import SHARED_DATA, build
from glasses_agent.scoring.scorer import KindScore, score
from streams.frames import NS_PER_S

GENERATED: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("approach", (0, 1, 2, 3, 4)),
    ("quiet", (0, 1)),
    ("occlusion", (0, 1)),
    ("read", (0, 1)),
    ("dark", (0, 1)),
    ("talk", (0, 1)),
    ("demo", (3,)),
)
SHARED: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("shared:gopro+looming", (0, 1, 2, 3)),
    ("shared:gopro+speech", (0,)),
    ("shared:gopro+siren", (0,)),
)
RATE_CLIPS = ("shared:gopro", "shared:vtest", "shared:sam2")  # unaltered: at most a few prompts a minute


@dataclass
class ScenarioResult:
    name: str
    seed: int
    prompts: list[dict[str, Any]]
    duration_s: float
    wall_s: float

    @property
    def per_minute(self) -> float:
        return len(self.prompts) * 60.0 / self.duration_s if self.duration_s else 0.0


@dataclass
class SuiteReport:
    scores: dict[str, KindScore] = field(default_factory=dict)
    runs: list[ScenarioResult] = field(default_factory=list)
    rates: list[ScenarioResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kinds": {k: s.as_dict() for k, s in sorted(self.scores.items())},
            "runs": [{"scenario": r.name, "seed": r.seed, "prompts": len(r.prompts), "duration_s": r.duration_s}
                     for r in self.runs],
            "rates": [{"clip": r.name, "prompts": len(r.prompts), "duration_s": round(r.duration_s, 2),
                       "per_minute": round(r.per_minute, 2), "kinds": sorted({p["kind"] for p in r.prompts})}
                      for r in self.rates],
            "skipped": self.skipped,
        }


def run_scenario(name: str, seed: int, *, memory_path: str, perception: str | None = "none",
                 world: str | None = "none", mode: str = "explore") -> tuple[ScenarioResult, Any]:
    """One scenario through a fresh agent at --speed max; returns its prompts and the Scenario."""
    import time

    from glasses_agent.agent import Agent, AgentConfig
    from streams.clock import VirtualClock
    from streams.pipeline import Pipeline
    from streams.stages import FunctionStage

    scenario = build(name, seed)
    prompts: list[dict[str, Any]] = []

    def collect(ctx: Any) -> Any:
        prompts.extend(p.to_record() for p in ctx.prompts)
        return ctx

    agent = Agent(AgentConfig(mode=mode, memory_path=memory_path, perception_checkpoint=perception,
                              world_checkpoint=world, auto_mode=False, log_prompts=False))
    try:
        pipeline = Pipeline(agent.stages() + [FunctionStage(collect, name="collect")], clock=VirtualClock())
        t0 = time.perf_counter()
        summary = asyncio.run(pipeline.run_lockstep(scenario.source))
        wall = time.perf_counter() - t0
    finally:
        agent.close()
    return ScenarioResult(name, seed, prompts, summary.duration_s, wall), scenario


def run_suite(*, memory_dir: str | None = None, shared: bool = True, perception: str | None = "none",
              world: str | None = "none", only: list[str] | None = None) -> SuiteReport:
    report = SuiteReport()
    plan = list(GENERATED) + (list(SHARED) if shared else [])
    if only:
        plan = [(n, s) for n, s in plan if n in only]
    with tempfile.TemporaryDirectory(prefix="glasses-agent-suite-") as tmp:
        base = Path(memory_dir or tmp)
        for i, (name, seeds) in enumerate(plan):
            if name.startswith("shared:") and not SHARED_DATA.exists():
                report.skipped.append(f"{name}: ../shared/data is absent")
                continue
            for seed in seeds:
                memory = str(base / f"suite-{i}-{seed}.sqlite3")
                try:
                    result, scenario = run_scenario(name, seed, memory_path=memory, perception=perception, world=world)
                except GlassesAgentError as err:
                    report.skipped.append(f"{name} seed {seed}: {err}")
                    continue
                required, optional = scenario.expectations()
                score(result.prompts, required, optional=optional, scores=report.scores,
                      tick_ns=NS_PER_S // 10)
                report.runs.append(result)
        if shared and not only:
            for name in RATE_CLIPS:
                if not SHARED_DATA.exists():
                    report.skipped.append(f"{name}: ../shared/data is absent")
                    continue
                result, _ = run_scenario(name, 0, memory_path=str(base / "rate.sqlite3"), perception=perception,
                                         world=world)
                report.rates.append(result)
    return report


HAZARD_TARGETS = {"recall": 0.95, "precision": 0.8, "onset_ticks_max": 3, "direction_error_max": 1}
OTHER_TARGETS = {"recall": 0.8, "precision": 0.8}
MAX_PER_MINUTE = 6.0


def missed_targets(report: SuiteReport) -> list[str]:
    """Every target the report misses, one line each (empty: all met)."""
    out = []
    for kind, s in sorted(report.scores.items()):
        d = s.as_dict()
        targets = HAZARD_TARGETS if kind == "hazard" else OTHER_TARGETS
        for name, limit in targets.items():
            value = d.get(name)
            if value is None:
                if name in ("recall", "precision") and (s.expected or s.prompts):
                    out.append(f"{kind}: {name} undefined ({s.expected} expected, {s.prompts} prompts)")
                continue
            bad = value > limit if name.endswith("_max") else value < limit
            if bad:
                out.append(f"{kind}: {name} {value} (target {'<=' if name.endswith('_max') else '>='} {limit})")
    for r in report.rates:
        if r.per_minute > MAX_PER_MINUTE:
            out.append(f"{r.name}: {r.per_minute:.1f} prompts a minute (target <= {MAX_PER_MINUTE:g})")
    return out
