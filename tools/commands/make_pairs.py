"""`glasses-agent eval make-pairs`: the command line of tools.evals.make_pairs, added to the `eval`
targets by tools.commands.evals."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tools.commands.common import positive_int


def add_targets(subparsers: Any) -> None:
    """Add `make-pairs` to the `eval` targets."""
    p = subparsers.add_parser(
        "make-pairs", help="make violation-of-expectation pairs and plausible controls from real clips",
        description="Turns real clips into plausible/implausible twins (NAME_plausible.mp4, NAME_implausible.mp4, "
        "read by 'eval surprise --pairs DIR'), controls under DIR/controls/, and DIR/manifest.json. Objects are "
        "cut from the clips given, so a set made from the reporting clips shares nothing with the tuning clips.")
    p.add_argument("--from", dest="clips", nargs="+", default=[], metavar="CLIP", help="background and object clips")
    p.add_argument("--split", choices=("tuning", "reporting"),
                   help="add the video clips of this half of splits.toml (tuning: to tune on; reporting: for figures)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the pairs into")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0): same clips and seed, same files")
    p.add_argument("--per-kind", type=positive_int, default=20, metavar="N", help="pairs per violation kind (default 20)")
    p.add_argument("--controls", type=int, default=10, metavar="N", help="control clips per control kind (default 10)")
    p.set_defaults(handler=cmd_make_pairs)


def cmd_make_pairs(args: argparse.Namespace) -> int:
    """`glasses-agent eval make-pairs`: write the pairs, the controls and the manifest; print the counts."""
    from tools.data_splits import clips as split_clips
    from tools.evals.make_pairs import make_pairs

    clips = [Path(c) for c in args.clips]
    if args.split:
        clips += [c for c in split_clips("video", args.split) if c not in clips]
    if args.controls < 0:
        raise ValueError(f"--controls must be 0 or more, got {args.controls}")

    def progress(line: str) -> None:
        if sys.stderr.isatty():
            print(f"\r{line:<60}", end="", file=sys.stderr, flush=True)

    manifest = make_pairs(clips, Path(args.out), seed=args.seed, per_kind=args.per_kind, controls=args.controls,
                          progress=progress)
    if sys.stderr.isatty():
        print("\r" + " " * 60 + "\r", end="", file=sys.stderr)
    kinds: dict[str, int] = {}
    for entry in manifest["pairs"] + manifest["controls"]:
        kinds[entry["kind"]] = kinds.get(entry["kind"], 0) + 1
    moving = sum(e["camera_moves"] for e in manifest["pairs"] + manifest["controls"])
    total = len(manifest["pairs"]) + len(manifest["controls"])
    print(f"wrote {len(manifest['pairs'])} pairs and {len(manifest['controls'])} controls from {len(clips)} clips to {args.out}")
    print("  " + ", ".join(f"{k}: {n}" for k, n in kinds.items()))
    print(f"  camera moving in {moving} of {total}; manifest: {Path(args.out) / 'manifest.json'}")
    return 0

