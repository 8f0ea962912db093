"""`glasses-agent eval make-pairs`: the command line of tools.evals.make_pairs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tools.arg_types import positive_int


def add_eval_targets(subparsers: Any) -> None:
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

    c = subparsers.add_parser(
        "controls", help="plausible controls of a make-pairs folder: does any lift surprise over the prompt bar?",
        description="For each control in DIR/manifest.json, runs the world model on the control and on its bare "
        "reference and counts the controls whose surprise crosses the prompt threshold where the reference "
        "does not, or that raise more alarms than the reference.")
    c.add_argument("--pairs", required=True, metavar="DIR", help="a folder made by 'eval make-pairs'")
    c.add_argument("--world", default=None, metavar="CKPT", help="world checkpoint (default: the shipped one)")
    c.add_argument("--perception", default=None, metavar="CKPT", help="perception checkpoint (default: the shipped one)")
    c.add_argument("--threshold", type=float, default=None, help="prompt threshold on z (default the actor's, 3.0)")
    c.add_argument("--out", default="bench-results/controls.json", help="JSON to write (default bench-results/controls.json)")
    c.add_argument("--threads", type=positive_int, default=1, help="torch CPU threads (default 1)")
    c.set_defaults(handler=cmd_controls)


def cmd_make_pairs(args: argparse.Namespace) -> int:
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


def cmd_controls(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(args.threads)
    from glasses_agent.world_model import WorldModel
    from glasses_agent.world_model.evaluation import clip_ticks, world_surprise
    from tools.bench import write_results
    from tools.evals.controls import PROMPT_Z, evaluate_controls, format_controls, load_controls
    from tools.evals.frame_rate import tick_hz_for
    from tools.world_commands import _load_models  # the models eval surprise compares, loaded the same way

    load_controls(args.pairs)  # a bad folder fails before the models load
    encoder, dynamics, _, _, notes = _load_models(args)
    world = WorldModel(dynamics, dynamics.config if dynamics is not None else None)

    def surprise(path: Path) -> list[float]:
        ticks = clip_ticks(path, tick_hz=tick_hz_for(path))
        return world_surprise(world, ticks, encoder.encode(ticks) if encoder is not None else None)

    result = evaluate_controls(args.pairs, surprise, PROMPT_Z if args.threshold is None else args.threshold)
    result["notes"] = notes
    for note in notes:
        print(f"note: {note}")
    print(format_controls(result))
    print(f"written {write_results(args.out, result)}")
    return 0
