"""`glasses-agent scenarios`: run the scenario suite and print the scorer's table.

    glasses-agent scenarios                     # generated scenes + ../shared/data clips where present
    glasses-agent scenarios --only approach read --no-shared --check
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tools.bench import write_results


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("scenarios", help="run the scenario suite and score the prompts per kind")
    p.add_argument("--only", nargs="+", metavar="NAME", help="only these scenarios (e.g. approach read shared:gopro+speech)")
    p.add_argument("--no-shared", action="store_true", help="skip the ../shared/data clips")
    p.add_argument("--perception", default="none", metavar="CKPT",
                   help="perception checkpoint (default 'none': classical detectors only; '' for the shipped one)")
    p.add_argument("--world", default="none", metavar="CKPT", help="world-model checkpoint (default 'none')")
    p.add_argument("--out", metavar="FILE.json", help="also write the table and per-run figures as JSON")
    p.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.set_defaults(handler=cmd_scenarios)


def cmd_scenarios(args: argparse.Namespace) -> int:
    from glasses_agent.scoring.scenes import CATALOGUE, build
    from glasses_agent.scoring.scorer import format_table
    from glasses_agent.scoring.suite import missed_targets, run_suite

    if args.list:
        for name in CATALOGUE:
            try:
                notes = build(name).notes
            except Exception as err:  # noqa: BLE001 - a missing clip is still listed
                notes = f"(unavailable: {err})"
            print(f"{name:<24} {notes}")
        return 0
    if args.only:
        unknown = [n for n in args.only if n not in CATALOGUE]
        if unknown:
            from glasses_agent.scoring.scenes import UnknownScenarioError

            raise UnknownScenarioError(f"unknown scenario {unknown[0]!r}; see glasses-agent scenarios --list")
    report = run_suite(shared=not args.no_shared, only=args.only, perception=args.perception or None,
                       world=args.world or None)
    print(format_table(report.scores))
    if report.rates:
        print("\nunaltered clips (explore mode): prompts a minute")
        for r in report.rates:
            kinds = ", ".join(sorted({p["kind"] for p in r.prompts})) or "-"
            print(f"  {r.name:<16} {len(r.prompts):>3} prompts in {r.duration_s:5.1f} s = {r.per_minute:4.1f}/min  ({kinds})")
    for s in report.skipped:
        print(f"skipped    {s}")
    missed = missed_targets(report)
    print("\ntargets    " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    if args.out:
        out = Path(args.out)
        write_results(out, {**report.as_dict(), "missed": missed})
        print(f"written    {out}")
    return 1 if args.check and missed else 0
