"""`glasses-agent eval hazards` and `eval sounds`: issue 18's judges on real material (targets of the eval family).

    glasses-agent eval hazards [--seed N]      # objects flown at the wearer over every shared clip, per half,
                                               # and false hazards over the six unaltered clips
    glasses-agent eval sounds --seeds 8        # alarm/siren alerts over the noise beds, per half
    glasses-agent eval sounds --extra alarm=/usr/share/sounds/phone.wav   # + a Debian package's ring
    glasses-agent eval sounds --half tuning --beds   # + the tuning half over more noise beds (tools/evals/noise_beds.py)
    glasses-agent eval sounds --packaged       # + each half's dogs from Debian packages (tools/evals/sound_packages.py)

Both read the repository's split (tools.data_splits): the `tuning` half tuned the detectors,
the `reporting` half's figures are the held-out ones.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

FALSE_ALARM_CLIPS = ("video/gopro_max-heromode.mp4", "video/vtest.avi", "video/intel/one-by-one-person-detection.mp4",
                     "video/intel/car-detection.mp4", "video/sam2_03_blocks.mp4", "video/sam2_04_coffee.mp4")


def add_targets(subparsers: Any) -> None:
    """Add `eval hazards` and `eval sounds` (called by tools.commands.evals.register)."""
    p = subparsers.add_parser("hazards", help="time-to-contact hazards on objects flown at the wearer over real clips")
    p.add_argument("--max-s", type=float, default=20.0, help="seconds of each clip the flown objects may use")
    p.add_argument("--half", choices=("tuning", "reporting", "both"), default="both",
                   help="which half's flown objects (tune on `tuning`; the reporting half is held out)")
    p.add_argument("--no-false", action="store_true", help="skip the unaltered clips' false hazards")
    p.add_argument("--seed", type=int, default=0,
                   help="which draw of flown objects (start times, heights, textured crops); 0 gives the quoted "
                        "figures, others fresh draws over the same half's clips, to see whether a change generalises")
    p.add_argument("--out", metavar="FILE.json", help="also write the figures as JSON, with one row a flown object")
    p.set_defaults(handler=cmd_eval_hazards)
    s = subparsers.add_parser("sounds", help="common alert sounds (alarm, siren) over real noise beds, per half")
    s.add_argument("--seeds", type=int, default=8, help="mixes per half")
    s.add_argument("--half", choices=("tuning", "reporting", "both"), default="both",
                   help="which half's mixes (tune on `tuning`; the reporting half is held out)")
    s.add_argument("--extra", action="append", default=[], metavar="KIND=FILE",
                   help="also lay this recording (of alarm or siren), from outside the shared data (a Debian "
                        "package's sound), over the tuning half's noise bed, in mixes of their own")
    s.add_argument("--beds", action="store_true",
                   help="also lay the tuning half's recordings over each further noise bed (machinery, traffic, a "
                        "crowd, wind and water from a Debian package, fetched into a cache; engine, fan and whine "
                        "made here: tools/evals/noise_beds.py), in mixes of their own, reported per bed")
    s.add_argument("--packaged", action="store_true",
                   help="also lay each half's dog recordings from Debian packages (splits.toml [packaged_sounds], "
                        "fetched into a cache: tools/evals/sound_packages.py) with that half's recordings, in mixes "
                        "of their own: more real sounds that must not be told as an alarm or a siren")
    s.add_argument("--out", metavar="FILE.json", help="also write the figures as JSON")
    s.set_defaults(handler=cmd_eval_sounds)


def _shared_or_exit() -> Path:
    from tools.data_splits import SHARED_DATA

    if not SHARED_DATA.exists():
        from glasses_agent.errors import GlassesAgentError

        raise GlassesAgentError(f"{SHARED_DATA}: missing (these evaluations need ../shared/data)")
    return SHARED_DATA


def cmd_eval_hazards(args: argparse.Namespace) -> int:
    from glasses_agent.scoring import hazard_eval as he
    from tools.data_splits import clips

    data = _shared_or_exit()
    out: dict[str, Any] = {"false_hazards": [], "halves": {}}
    seconds = count = 0.0
    for rel in () if args.no_false else FALSE_ALARM_CLIPS:
        clip = he.load_ticks(data / rel)
        found = he.false_hazards(clip)
        seconds += clip.duration_s
        count += len(found)
        out["false_hazards"].append({"clip": rel, "seconds": round(clip.duration_s, 1), "hazards": len(found),
                                     "at_s": [round(t / 1e9, 1) for t in found]})
        print(f"unaltered  {rel:<48} {len(found):>2} hazards in {clip.duration_s:5.1f} s")
    if not args.no_false:
        out["false_per_minute"] = he.per_minute(int(count), seconds)
        print(f"unaltered  {int(count)} false hazards in {seconds / 60:.2f} min = {out['false_per_minute']}/min (target <= 0.5)")
    for half in ("tuning", "reporting") if args.half == "both" else (args.half,):
        loaded = [he.load_ticks(p, max_s=args.max_s) for p in clips("video", half, data)]
        textures = he.texture_crops(loaded, 12, (1 if half == "tuning" else 2) + 100 * args.seed)
        cases = he.approach_cases(loaded, textures, seed=args.seed)
        by_path = {c.path: c for c in loaded}
        results = [he.run_case(by_path[case.clip], case) for case in cases]
        summary = he.summarize(results)
        summary["clips_used"] = sorted({c.clip.name for c in cases})
        summary["clips_too_short"] = sorted(c.path.name for c in loaded if c.path not in {k.clip for k in cases})
        summary["per_case"] = [he.case_row(r) for r in results]
        out["halves"][half] = summary
        print(f"{half:<10} {summary['cases']} flown objects: recall {summary['recall']} (target >= 0.95; warned "
              f"{summary['warned']}), delay median {summary['delay_s_median']} s, max {summary['delay_s_max']} s, "
              f"direction misses {summary['direction_misses']}; by {summary['by']}")
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
        print(f"written    {args.out}")
    return 0


def _extra_recordings(specs: list[str]) -> dict[Path, str]:
    """KIND=FILE pairs -> {file: kind}; a bad pair or a missing file is one clear error."""
    from glasses_agent.errors import GlassesAgentError
    from glasses_agent.scoring.sound_eval import DETECTED

    out = {}
    for spec in specs:
        kind, _, name = spec.partition("=")
        if kind not in DETECTED or not name:
            raise GlassesAgentError(f"--extra {spec}: expected KIND=FILE with KIND one of {', '.join(DETECTED)}")
        if not Path(name).is_file():
            raise GlassesAgentError(f"--extra {spec}: {name} is not a file")
        out[Path(name)] = kind
    return out


def cmd_eval_sounds(args: argparse.Namespace) -> int:
    from glasses_agent.scoring.sound_eval import evaluate
    from tools.data_splits import clips

    data = _shared_or_exit()
    extra = _extra_recordings(args.extra)
    halves = ("tuning", "reporting") if args.half == "both" else (args.half,)
    runs = {half: (clips("sounds", half, data), clips("speech", half, data), clips("noise", half, data)[0], None)
            for half in halves}
    if extra:  # their own mixes, so the halves' figures stay what they are without them
        runs["extra"] = (list(extra), [], clips("noise", "tuning", data)[0], {p.stem: k for p, k in extra.items()})
    if args.packaged:  # their own mixes, so the halves' figures stay what they are without them
        from tools.evals import sound_packages

        have = {p.name for p in sound_packages.fetched()}
        for half in halves:
            dogs = [p for p in clips("packaged_sounds", half, sound_packages.cache_dir()) if p.name in have]
            if not dogs:
                print(f"packaged   {half}: none of its packaged recordings could be fetched (apt-get download)")
                continue
            runs[f"{half}+pkg"] = (dogs + clips("sounds", half, data), clips("speech", half, data),
                                   clips("noise", half, data)[0], sound_packages.kinds())
    if args.beds:  # the tuning half's recordings only: these beds tune; each bed's mixes are reported apart
        from tools.evals.noise_beds import packaged_beds, synthetic_beds

        packaged = packaged_beds()
        if not packaged:
            print("beds       lincity-ng-data could not be fetched (apt-get download): its beds are left out")
        for bed in packaged + synthetic_beds():
            runs[f"bed:{bed.stem}"] = (clips("sounds", "tuning", data), clips("speech", "tuning", data), bed, None)
    out = {}
    for half, (sounds, speech, noise, kinds) in runs.items():
        report = evaluate(sounds, speech, noise, range(args.seeds), kinds=kinds)
        out[half] = report
        for kind, s in report["kinds"].items():
            print(f"{half:<10} {kind:<6} occurrences {s['occurrences']:>3} recall {s['recall']} alerts {s['alerts']:>3} "
                  f"precision {s['precision']} onset median {s['onset_s_median']} s, max {s['onset_s_max']} s")
        for line in report["false_alerts"]:
            print(f"{half:<10} false  {line}")
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
        print(f"written    {args.out}")
    return 0
