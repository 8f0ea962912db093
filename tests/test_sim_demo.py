"""One demo: `sim --demo` plays the scene of `run --demo` and its agent says the same things at
the same stream times (the simulator's driver pulled in lock-step, every tick, no clock)."""

from __future__ import annotations

import json

from tools.cli import build_parser, main
from tools.sim.session import build_driver


def _sim_demo_prompts() -> list[tuple[int, str, str]]:
    driver = build_driver(build_parser().parse_args(["sim", "--demo"]))
    prompts = []
    try:
        while (ctx := driver.next()) is not None:
            prompts += [(p.t_ns, p.kind, p.text) for p in ctx.prompts]
    finally:
        driver.close()
    return prompts


def test_sim_demo_says_what_run_demo_says_when_it_says_it(capsys, tmp_path):
    out = tmp_path / "prompts.jsonl"
    assert main(["run", "--demo", "--prompts-out", str(out)]) == 0
    capsys.readouterr()
    expected = [(r["t_ns"], r["kind"], r["text"]) for r in map(json.loads, out.read_text().splitlines())]
    assert {kind for _, kind, _ in expected} >= {"speech", "low_light", "text_read"}  # the demo's point
    assert _sim_demo_prompts() == expected


def test_sim_demo_is_the_length_of_run_demo():
    from tools.run_commands import DEMO_SECONDS

    driver = build_driver(build_parser().parse_args(["sim", "--demo"]))
    try:
        assert driver.feed.duration_s == DEMO_SECONDS
    finally:
        driver.close()
