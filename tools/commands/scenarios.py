"""`glasses-agent scenarios`: run the scenario suite and print the scorer's table.

    glasses-agent scenarios                     # shipped models; generated scenes + ../shared/data clips where present
    glasses-agent scenarios --perception none --world none     # the classical detectors alone
    glasses-agent scenarios --only approach read --no-shared --check
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tools.commands.common import write_results


def register(subparsers: Any) -> None:
    """Add `scenarios` to the CLI."""
    p = subparsers.add_parser("scenarios", help="run the scenario suite and score the prompts per kind")
    p.add_argument("--only", nargs="+", metavar="NAME", help="only these scenarios (e.g. approach read shared:gopro+speech)")
    p.add_argument("--no-shared", action="store_true", help="skip the ../shared/data clips")
    p.add_argument("--perception", default="", metavar="CKPT",
                   help="perception checkpoint (default: the shipped one, as `run` uses; 'none': classical detectors only)")
    p.add_argument("--world", default="", metavar="CKPT",
                   help="world-model checkpoint (default: the shipped one; 'none': without the world model)")
    p.add_argument("--out", metavar="FILE.json", help="also write the table and per-run figures as JSON")
    p.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.set_defaults(handler=cmd_scenarios)


def cmd_scenarios(args: argparse.Namespace) -> int:
    """Run the suite (or list it), print the table; with --check exit 1 when a target is missed."""
    from glasses_agent.scoring.scenes import CATALOGUE, build
    from glasses_agent.scoring.scorer import format_table
    from glasses_agent.scoring.suite import missed_half_targets, missed_targets, run_suite

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
    from tools.progress import Progress

    # The suite takes a while: a bar as runs finish (a line per run off a terminal).
    with Progress("scenarios", total=None) as progress:

        def finished(done: int, total: int, what: str) -> None:
            progress.set_total(total)
            progress.update(completed=done, note=what, important=True)

        report = run_suite(shared=not args.no_shared, only=args.only, perception=args.perception or None,
                           world=args.world or None, progress=finished)
    print(format_table(report.scores))
    if report.rates:
        print("\nunaltered clips (explore mode): prompts a minute")
        for r in report.rates:
            kinds = ", ".join(sorted({p["kind"] for p in r.prompts})) or "-"
            world = "" if r.surprise_max is None else f"; surprise z max {r.surprise_max:.1f}, {r.surprise_alarms} over 3"
            print(f"  {r.name:<18} {len(r.prompts):>3} prompts in {r.duration_s:5.1f} s = {r.per_minute:4.1f}/min  "
                  f"({kinds}{world})")
    for s in report.skipped:
        print(f"skipped    {s}")
    for half, table in sorted(report.halves.items()):
        print(f"\nissue 18 cases, {half} half")
        print(format_table(table))
    if report.halves:
        half_missed = missed_half_targets(report)
        print("\nissue 18   " + ("all met" if not half_missed else "missed: " + "; ".join(half_missed)))
    missed = missed_targets(report)
    print("\ntargets    " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    if args.out:
        out = Path(args.out)
        write_results(out, {**report.as_dict(), "missed": missed})
        print(f"written    {out}")
    return 1 if args.check and missed else 0
