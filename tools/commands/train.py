"""`glasses-agent train perception ...` and `glasses-agent train world ...`.

The training loops are tools/train/perception.py and tools/train/world.py; torch is imported
inside the handlers, so `glasses-agent --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tools.commands.common import positive_float, positive_int

DEFAULT_DATA = ["synthetic:mixed:0-39"]
DEFAULT_WORLD_DATA = ["synthetic:mixed:0-11", "synthetic:occlusion:0-5", "synthetic:approach:0-3", "pairs:train:0-23"]
# The command that reproduces the shipped checkpoint (README): only generated scenes, no downloads.
DEFAULT_CHECKPOINT_COMMAND = ("glasses-agent train perception --data synthetic:mixed:0-39 --steps 600 --eval-every 100 "
                              "--threads 1 --out runs/perception --export glasses_agent/checkpoints/perception")


def register(subparsers: Any) -> None:
    """Add `train` and its targets (perception, world) to the CLI."""
    train = subparsers.add_parser("train", help="train a model from recordings, media files or generated scenes")
    targets = train.add_subparsers(dest="train_target", metavar="TARGET", required=True)
    _add_perception(targets)
    _add_world(targets)


def _add_perception(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "perception",
        help="train the multimodal JEPA perception model",
        description="Self-supervised training of the perception model (masked latent prediction) on "
        "recordings, media files or generated scenes. Writes perception.safetensors, config.json, "
        "history.json and curves.png into --out, at every evaluation.",
    )
    p.add_argument("--data", nargs="+", default=DEFAULT_DATA, metavar="PATH",
                   help="MCAP recordings, media files, folders, synthetic:SCENARIO[:SEEDS], or real:tuning "
                   "(the tuning half of splits.toml streamed from the files, augmented) "
                   f"(default: {' '.join(DEFAULT_DATA)})")
    p.add_argument("--out", required=True, help="checkpoint folder to write")
    p.add_argument("--steps", type=positive_int, default=2000, help="optimiser steps in all (default 2000)")
    p.add_argument("--batch-size", type=positive_int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--objective", choices=("sigreg", "ema", "pixel"), default="sigreg",
                   help="sigreg: LeJEPA's SIGReg (default: here the EMA target's scene embedding fell to "
                   "effective rank 7 of 128 within 200 steps, SIGReg's did not); ema: V-JEPA's EMA target "
                   "encoder; pixel: the MAE-style pixel baseline")
    p.add_argument("--sigreg-lambda", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-every", type=positive_int, default=250, help="steps between evaluations and checkpoints")
    p.add_argument("--holdout", type=float, default=0.1, help="fraction of clips held out for evaluation")
    p.add_argument("--clip-seconds", type=positive_float, default=10.0, help="length of each synthetic scene")
    p.add_argument("--threads", type=positive_int, default=1,
                   help="torch CPU threads (default 1: on a shared machine more threads spin against other work)")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out up to --steps")
    p.add_argument("--init", default=None, metavar="CKPT",
                   help="start from this checkpoint's encoder (and predictor, when it holds one) instead of a seeded init")
    p.add_argument("--generated-share", type=float, default=0.25,
                   help="with real:tuning in --data, the share of each batch from the other (generated) specs (default 0.25)")
    p.add_argument("--export", default=None, metavar="DIR",
                   help="at the end, also write the encoder alone (what inference loads) into DIR")
    p.set_defaults(handler=cmd_train_perception)


def _train_with_progress(trainer: Any, out: str, steps: int) -> list[dict[str, Any]]:
    """Run the trainer with a progress bar (ETA; plain lines at each evaluation off a terminal):
    step, loss, and the latest held-out and collapse figures."""
    from tools.progress import Progress

    latest: dict[str, float] = {}
    with Progress("train perception", total=steps) as progress:

        def on_record(record: dict[str, Any]) -> None:
            latest.update({k: v for k, v in record.items() if k in ("eval_loss", "std_min", "effective_rank")})
            note = f"loss {record['loss']:.4f}" + "".join(f" {k} {v:.4g}" for k, v in latest.items())
            progress.update(completed=record["step"], note=note, important="eval_loss" in record)

        return trainer.run(out, on_record)


def cmd_train_perception(args: argparse.Namespace) -> int:
    """`glasses-agent train perception`: self-supervised training, then (with --export) the encoder alone."""
    import torch

    from glasses_agent.perception.config import ModelConfig
    from glasses_agent.perception.data import load_clips
    from glasses_agent.perception.errors import PerceptionError
    from tools.train.perception import Trainer, TrainConfig

    torch.set_num_threads(args.threads)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if not 0 < args.holdout < 1:
        raise PerceptionError(f"--holdout must be between 0 and 1, got {args.holdout}")
    mc = ModelConfig()
    real = [s for s in args.data if s.startswith("real")]
    other = [s for s in args.data if not s.startswith("real")]
    if real:
        train, held_out, names = _real_mix(real, other, mc, args)
    else:
        print(f"loading clips from {' '.join(args.data)} ...", file=sys.stderr)
        clips, names = load_clips(args.data, mc, clip_seconds=args.clip_seconds)
        train, held_out = clips.split(args.holdout)
    tc = TrainConfig(objective=args.objective, steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                     sigreg_lambda=args.sigreg_lambda, seed=args.seed, eval_every=args.eval_every,
                     warmup=min(100, max(1, args.steps // 10)), device=device)
    trainer = Trainer(mc, tc, train, held_out)
    if args.init and not args.resume:
        trainer.init_from(args.init)
    if args.resume:
        trainer.resume(args.out)
        print(f"resumed at step {trainer.step}", file=sys.stderr)
    count = "streamed" if real else f"{len(train)}"
    print(f"{count} training clips, {len(held_out)} held out, from {len(names)} sources; "
          f"parameters {trainer.parameters}; objective {tc.objective}; device {device}", file=sys.stderr)
    history = _train_with_progress(trainer, args.out, tc.steps)
    final = next((r for r in reversed(history) if "eval_loss" in r), {}) if history else {}
    summary = {"out": args.out, "steps": trainer.step, "parameters": trainer.parameters,
               **{k: round(v, 4) for k, v in final.items() if k in ("eval_loss", "std_min", "effective_rank")}}
    if args.export:
        from glasses_agent.perception.checkpoint import export_encoder

        summary["export"] = str(export_encoder(args.out, args.export))
    print(json.dumps(summary))
    return 0


def _real_mix(real: list[str], other: list[str], mc: Any, args: argparse.Namespace) -> tuple[Any, Any, list[str]]:
    """The real stream (with the other specs' clips as one source among them) and a fixed held-out set."""
    from glasses_agent.perception.data import ClipSet, load_clips
    from glasses_agent.perception.errors import PerceptionError
    from tools.train.real_data import MixedClips, real_stream

    if len(real) > 1:
        raise PerceptionError("give real:tuning once")
    if not 0 <= args.generated_share < 1:
        raise PerceptionError(f"--generated-share must be in [0, 1), got {args.generated_share}")
    print(f"streaming {real[0]} ...", file=sys.stderr)
    stream = real_stream(real[0], mc, seed=args.seed)
    generated, names = None, list(stream.names)
    held_real = stream.fixed_set(96)
    held = [held_real]
    if other:
        print(f"loading clips from {' '.join(other)} ...", file=sys.stderr)
        clips, more = load_clips(other, mc, clip_seconds=args.clip_seconds)
        generated, held_gen = clips.split(args.holdout)
        held.append(held_gen.take(slice(0, 32)))
        names += more
    return MixedClips(stream, generated, args.generated_share, seed=args.seed), ClipSet.concat(held), names


def _add_world(subparsers: Any) -> None:
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


def cmd_train_world(args: argparse.Namespace) -> int:
    """`glasses-agent train world`: the latent dynamics on the perception model's encodings."""
    import torch

    torch.set_num_threads(args.threads)
    from tools.train.world import train_world

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
