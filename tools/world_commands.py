"""`glasses-agent train world`, `glasses-agent eval surprise` and `glasses-agent pairs`.

    glasses-agent pairs --out DIR [--per-type N] [--split test] [--format mp4]   IntPhys-style clip pairs
    glasses-agent eval surprise --pairs DIR [--world CKPT] [--perception CKPT]   pairwise accuracy table
    glasses-agent train world [--data SPEC...] --out DIR                         the latent dynamics

torch is imported inside the handlers, so `glasses-agent --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tools.arg_types import positive_float, positive_int
from tools.bench import write_results

DEFAULT_WORLD_DATA = ["synthetic:mixed:0-11", "synthetic:occlusion:0-5", "synthetic:approach:0-3", "pairs:train:0-23"]


def register(subparsers: Any) -> None:
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


def add_train_targets(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "world", help="train the world model's latent dynamics (action-conditioned, V-JEPA 2-AC style)",
        description="Encodes the data with the perception model, then trains the predictor of the next "
        "latent grid from the last ones and the head motion (IMU; zeros without), teacher forced plus a "
        "short rollout. Writes world.safetensors and config.json into --out.")
    p.add_argument("--data", nargs="+", default=DEFAULT_WORLD_DATA, metavar="SPEC",
                   help="MCAP recordings, media files, folders, synthetic:SCENARIO[:SEEDS] or pairs:SPLIT[:SEEDS] "
                   f"(plausible clips only) (default: {' '.join(DEFAULT_WORLD_DATA)})")
    p.add_argument("--out", required=True, metavar="DIR", help="checkpoint folder to write")
    p.add_argument("--perception", default=None, metavar="CKPT", help="perception checkpoint (default: the shipped one)")
    p.add_argument("--steps", type=positive_int, default=600)
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--rollout", type=positive_int, default=2, help="autoregressive rollout steps in the loss")
    p.add_argument("--clip-seconds", type=positive_float, default=10.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=positive_int, default=2)
    p.set_defaults(handler=cmd_train_world)


def add_eval_targets(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "surprise", help="violation-of-expectation pairs: is the plausible clip the less surprising?",
        description="For each NAME_plausible.EXT / NAME_implausible.EXT pair in --pairs (MP4, AVI, GIF or "
        "MCAP), reports whether the plausible clip got the lower surprise (max and mean over time), per "
        "pair, per violation type and overall, for the world model, its latent dynamics alone, the "
        "untrained model and a pixel-space (copy-last-frame) predictor.")
    p.add_argument("--pairs", required=True, metavar="DIR")
    p.add_argument("--world", default=None, metavar="CKPT", help="world checkpoint (default: the shipped one)")
    p.add_argument("--perception", default=None, metavar="CKPT", help="perception checkpoint (default: the shipped one)")
    p.add_argument("--out", default="bench-results/surprise.json", help="JSON to write (default bench-results/surprise.json)")
    p.add_argument("--per-pair", action="store_true", help="also print every pair's verdicts")
    # One thread: per-tick work is tiny, and on a busy 2-core machine a second thread mostly waits.
    p.add_argument("--threads", type=positive_int, default=1, help="torch CPU threads (default 1)")
    p.set_defaults(handler=cmd_eval_surprise)


def cmd_pairs(args: argparse.Namespace) -> int:
    from streams.sources.synthetic.pairs import write_pairs

    pairs = write_pairs(Path(args.out), per_type=args.per_type, split=args.split, fmt=args.format,
                        first_seed=args.first_seed)
    print(f"wrote {len(pairs)} pairs ({args.per_type} per violation type, {args.split} split) to {args.out}")
    return 0


def _load_models(args: argparse.Namespace) -> tuple[Any, Any, Any, Any, list[str]]:
    """(trained encoder or None, world dynamics, untrained encoder, untrained dynamics, notes)."""
    import torch

    from glasses_agent.errors import GlassesAgentError
    from glasses_agent.world_model.checkpoint import load_dynamics
    from glasses_agent.world_model.dynamics import DynamicsConfig, LatentDynamics

    notes = []
    encoder = dynamics = None
    try:
        from glasses_agent.perception import ModelConfig, PerceptionEncoder, load_encoder
        from glasses_agent.perception.models.jepa import Encoder
    except ImportError:
        raise GlassesAgentError("eval surprise needs the perception package (glasses_agent.perception)") from None
    try:
        encoder = load_encoder(args.perception, threads=args.threads)
    except GlassesAgentError as err:
        if args.perception is not None:
            raise
        notes.append(f"no perception checkpoint ({err}): the world model runs on its object memory alone")
    if encoder is not None:
        try:
            dynamics, _, _ = load_dynamics(args.world)
        except GlassesAgentError as err:
            if args.world is not None:
                raise
            notes.append(f"no world checkpoint ({err}): latent dynamics left out")
    config = encoder.config if encoder is not None else ModelConfig()
    torch.manual_seed(0)
    untrained_encoder = PerceptionEncoder(Encoder(config), config, "untrained")
    dyn_config = dynamics.config if dynamics is not None else DynamicsConfig(width=config.width, grid=config.video_grid[1:])
    untrained_dynamics = LatentDynamics(dyn_config).eval()
    return encoder, dynamics, untrained_encoder, untrained_dynamics, notes


def cmd_eval_surprise(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(args.threads)
    from glasses_agent.world_model import WorldModel
    from glasses_agent.world_model.evaluation import (
        clip_ticks,
        evaluate_pairs,
        find_pairs,
        format_table,
        pixel_surprise,
        world_surprise,
    )
    from tools.evals.frame_rate import tick_hz_for

    pairs = find_pairs(args.pairs)
    encoder, dynamics, untrained_encoder, untrained_dynamics, notes = _load_models(args)
    full = WorldModel(dynamics, dynamics.config if dynamics is not None else None)
    latent_only = WorldModel(dynamics, dynamics.config, use_objects=False) if dynamics is not None else None
    untrained = WorldModel(untrained_dynamics, untrained_dynamics.config, use_objects=False)
    cache: dict[Path, Any] = {}

    def clip(path: Path) -> Any:
        if path not in cache:
            cache.clear()  # pairs are evaluated one at a time: keep only the pair at hand
        if path not in cache:
            ticks = clip_ticks(path, tick_hz=tick_hz_for(path))  # a 3 fps clip is judged at 3 ticks a second
            cache[path] = {
                "ticks": ticks,
                "trained": encoder.encode(ticks) if encoder is not None else None,
                "untrained": untrained_encoder.encode(ticks),
            }
        return cache[path]

    models = {"world model": lambda p: world_surprise(full, clip(p)["ticks"], clip(p)["trained"])}
    if latent_only is not None:
        models["latent only"] = lambda p: world_surprise(latent_only, clip(p)["ticks"], clip(p)["trained"])
    models["untrained"] = lambda p: world_surprise(untrained, clip(p)["ticks"], clip(p)["untrained"])
    models["pixel"] = lambda p: pixel_surprise(clip(p)["ticks"])

    def progress(line: str) -> None:
        if sys.stderr.isatty():
            print(f"\r{line:<60}", end="", file=sys.stderr, flush=True)

    result = evaluate_pairs(pairs, models, progress=progress)
    if sys.stderr.isatty():
        print("\r" + " " * 60 + "\r", end="", file=sys.stderr)
    result["notes"] = notes
    result["pairs_dir"] = str(args.pairs)
    for note in notes:
        print(f"note: {note}")
    print(format_table(result))
    if args.per_pair:
        for row in result["pairs"]:
            cells = "  ".join(f"{m}: {'ok' if v['right_max'] else 'WRONG'}" for m, v in row["models"].items())
            print(f"{row['name']:<32} {cells}")
    out = write_results(args.out, result)
    print(f"written {out}")
    return 0


def cmd_train_world(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(args.threads)
    from glasses_agent.world_model.train import train_world

    def progress(line: str) -> None:
        if sys.stderr.isatty():
            print(f"\r{line:<72}", end="", file=sys.stderr, flush=True)
        elif line.startswith("step"):
            print(line, file=sys.stderr, flush=True)

    summary = train_world(args.data, args.out, perception=args.perception, steps=args.steps,
                          batch_size=args.batch_size, lr=args.lr, rollout=args.rollout,
                          clip_seconds=args.clip_seconds, seed=args.seed, progress=progress)
    print(file=sys.stderr)
    for key, value in summary.items():
        print(f"{key:<24} {value}")
    return 0
