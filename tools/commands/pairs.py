"""`glasses-agent pairs`: IntPhys-style violation-of-expectation clip pairs (what `eval surprise` reads).

    glasses-agent pairs --out DIR [--per-type N] [--split test] [--format mp4]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tools.commands.common import positive_int


def register(subparsers: Any) -> None:
    """Add `pairs` to the CLI."""
    p = subparsers.add_parser("pairs", help="generate IntPhys-style violation-of-expectation clip pairs",
                              description="Writes NAME_plausible.EXT / NAME_implausible.EXT (+ NAME.json) for "
                              "object permanence, continuity and constancy; the test split's seeds and "
                              "backgrounds are never used in training.")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--per-type", type=positive_int, default=30, help="pairs per violation type (default 30)")
    p.add_argument("--split", choices=("test", "train"), default="test")
    p.add_argument("--format", choices=("mp4", "avi", "gif", "mcap"), default="mp4")
    p.add_argument("--first-seed", type=int, default=0)
    p.set_defaults(handler=cmd_pairs)


def cmd_pairs(args: argparse.Namespace) -> int:
    """Write the pairs and say how many."""
    from streams.sources.synthetic.pairs import write_pairs

    pairs = write_pairs(Path(args.out), per_type=args.per_type, split=args.split, fmt=args.format,
                        first_seed=args.first_seed)
    print(f"wrote {len(pairs)} pairs ({args.per_type} per violation type, {args.split} split) to {args.out}")
    return 0
