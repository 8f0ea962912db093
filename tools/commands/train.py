"""`glasses-agent train perception ...` and `glasses-agent eval probe ...` (torch imported in handlers)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from tools.arg_types import positive_float, positive_int
from tools.bench.replay import write_results

DEFAULT_DATA = ["synthetic:mixed:0-39"]
# The command that reproduces the shipped checkpoint (README): only generated scenes, no downloads.
DEFAULT_CHECKPOINT_COMMAND = ("glasses-agent train perception --data synthetic:mixed:0-39 --steps 600 --eval-every 100 "
                              "--threads 1 --out runs/perception --export glasses_agent/checkpoints/perception")


def add_train_targets(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "perception",
        help="train the multimodal JEPA perception model",
        description="Self-supervised training of the perception model (masked latent prediction) on "
        "recordings, media files or generated scenes. Writes perception.safetensors, config.json, "
        "history.json and curves.png into --out, at every evaluation.",
    )
    p.add_argument("--data", nargs="+", default=DEFAULT_DATA, metavar="PATH",
                   help="MCAP recordings, media files, folders, or synthetic:SCENARIO[:SEEDS] "
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
    p.add_argument("--export", default=None, metavar="DIR",
                   help="at the end, also write the encoder alone (what inference loads) into DIR")
    p.set_defaults(handler=cmd_train_perception)


def add_eval_targets(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "probe",
        help="frozen-feature linear probes: JEPA vs pixel (MAE-style) vs random init",
        description="Trains the same architecture as a JEPA and as a pixel-reconstruction model (same "
        "steps, batch and data) for several seeds, plus randomly initialised encoders, then fits "
        "linear probes on frozen features that keep position, for appearance (object identity), "
        "motion (direction) and sound (which of ../shared/data/audio/sounds plays). Prints the "
        "table (mean ± std over seeds) and writes JSON.",
    )
    p.add_argument("--seeds", type=positive_int, default=3, help="seeds per model (default 3)")
    p.add_argument("--steps", type=positive_int, default=300, help="training steps per model (default 300)")
    p.add_argument("--batch-size", type=positive_int, default=32, help="batch size, every model (default 32)")
    p.add_argument("--jepa-objective", choices=("sigreg", "ema"), default="ema", help="the JEPA's objective (default ema)")
    p.add_argument("--sigreg-lambda", type=float, default=0.5, help="SIGReg's weight for the sigreg JEPA (default 0.5)")
    p.add_argument("--mask-weights", default=None, metavar="B,F,DV,DA",
                   help="mix of mask strategies blocks, future, drop_video, drop_audio (default 0.5,0.25,0.125,0.125)")
    p.add_argument("--models", default="jepa,pixel,random",
                   help="comma-separated rows: jepa, pixel, random, and ema / sigreg for a JEPA variant (default jepa,pixel,random)")
    p.add_argument("--quick", action="store_true", help="a tiny run for tests (few steps, few clips)")
    p.add_argument("--sounds", default=None, help="folder of sound files (default ../shared/data/audio/sounds)")
    p.add_argument("--noise", default=None, help="folder of noise beds (default ../shared/data/audio/noise)")
    p.add_argument("--out", default="bench-results/probe.json", help="JSON to write (default bench-results/probe.json)")
    p.add_argument("--threads", type=positive_int, default=1)
    p.set_defaults(handler=cmd_eval_probe)
    c = subparsers.add_parser(
        "collapse",
        help="is the perception checkpoint collapsed? per-dimension std and effective rank on held-out scenes",
        description="Scene embeddings of held-out generated scenes (seeds no default training uses), for the "
        "checkpoint and for an untrained encoder of the same shape: per-dimension std (min, mean) and "
        "effective rank. Not collapsed: std above 0.01 in every dimension, rank at least 10% of the width.",
    )
    c.add_argument("--checkpoint", default=None, help="folder or .safetensors (default: the shipped checkpoint)")
    c.add_argument("--out", default="bench-results/collapse.json")
    c.add_argument("--threads", type=positive_int, default=1)
    c.set_defaults(handler=cmd_eval_collapse)


class _Progress:
    """One updating line on stderr: step, loss, and the latest collapse figures."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.last: dict[str, float] = {}
        self.tty = sys.stderr.isatty()
        self.t0 = time.perf_counter()

    def __call__(self, record: dict[str, Any]) -> None:
        self.last.update({k: v for k, v in record.items() if k in ("eval_loss", "std_min", "effective_rank")})
        step = record["step"]
        done = int(30 * step / self.total)
        rate = step / max(1e-9, time.perf_counter() - self.t0)
        line = (f"[{'#' * done}{'.' * (30 - done)}] {step}/{self.total} loss {record['loss']:.4f}"
                + "".join(f" {k} {v:.4g}" for k, v in self.last.items()) + f" {rate:.1f} it/s")
        if self.tty:
            print("\r" + line, end="", file=sys.stderr, flush=True)
        elif "eval_loss" in record:  # not a terminal (CI, pipes): one line per evaluation
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.tty:
            print(file=sys.stderr)


def cmd_train_perception(args: argparse.Namespace) -> int:
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
    print(f"loading clips from {' '.join(args.data)} ...", file=sys.stderr)
    clips, names = load_clips(args.data, mc, clip_seconds=args.clip_seconds)
    train, held_out = clips.split(args.holdout)
    tc = TrainConfig(objective=args.objective, steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                     sigreg_lambda=args.sigreg_lambda, seed=args.seed, eval_every=args.eval_every,
                     warmup=min(100, max(1, args.steps // 10)), device=device)
    trainer = Trainer(mc, tc, train, held_out)
    if args.resume:
        trainer.resume(args.out)
        print(f"resumed at step {trainer.step}", file=sys.stderr)
    print(f"{len(train)} training clips, {len(held_out)} held out, from {len(names)} sources; "
          f"parameters {trainer.parameters}; objective {tc.objective}; device {device}", file=sys.stderr)
    progress = _Progress(tc.steps)
    history = trainer.run(args.out, progress)
    progress.close()
    final = next((r for r in reversed(history) if "eval_loss" in r), {}) if history else {}
    summary = {"out": args.out, "steps": trainer.step, "parameters": trainer.parameters,
               **{k: round(v, 4) for k, v in final.items() if k in ("eval_loss", "std_min", "effective_rank")}}
    if args.export:
        from glasses_agent.perception.checkpoint import export_encoder

        summary["export"] = str(export_encoder(args.out, args.export))
    print(json.dumps(summary))
    return 0


def cmd_eval_probe(args: argparse.Namespace) -> int:
    import torch

    from tools.evals.probe.run import ProbeSettings, format_table, run_probe

    torch.set_num_threads(args.threads)
    from glasses_agent.perception.errors import PerceptionError

    models = tuple(m.strip() for m in args.models.split(",") if m.strip())
    unknown = [m for m in models if m not in ("jepa", "pixel", "random", "ema", "sigreg")]
    if unknown or not {"jepa", "pixel", "random"} <= set(models):
        raise PerceptionError(f"--models must name jepa, pixel and random (plus ema / sigreg if wanted), got {args.models!r}")
    settings = ProbeSettings.quick() if args.quick else ProbeSettings(seeds=args.seeds, steps=args.steps,
                                                                      batch_size=args.batch_size)
    settings.models = models
    settings.jepa_objective = args.jepa_objective
    settings.sigreg_lambda = args.sigreg_lambda
    if args.mask_weights:
        try:
            weights = tuple(float(w) for w in args.mask_weights.split(","))
        except ValueError:
            weights = ()
        if len(weights) != 4 or min(weights) < 0 or sum(weights) <= 0:
            raise PerceptionError(f"--mask-weights needs 4 non-negative numbers, not all 0, got {args.mask_weights!r}")
        settings.mask_weights = weights
    if args.sounds:
        settings.sounds_dir = Path(args.sounds)
    if args.noise:
        settings.noise_dir = Path(args.noise)
    result = run_probe(settings, log=lambda text: print(text, file=sys.stderr, flush=True))
    print(format_table(result))
    out = write_results(args.out, result)
    print(f"written {out}")
    return 0


def cmd_eval_collapse(args: argparse.Namespace) -> int:
    import torch

    from tools.evals.probe.collapse import collapse_report

    torch.set_num_threads(args.threads)
    report = collapse_report(args.checkpoint)
    bounds = report["bounds"]
    print(f"{'encoder':<10}{'std min':>10}{'std mean':>10}{'eff. rank':>11}   (width {report['width']}, "
          f"{report['trained']['clips']} held-out ticks)")
    for name in ("trained", "untrained"):
        r = report[name]
        print(f"{name:<10}{r['std_min']:>10.4f}{r['std_mean']:>10.4f}{r['effective_rank']:>11.2f}")
    ok = report["trained"]["std_min"] > bounds["std_min_above"] and \
        report["trained"]["effective_rank"] >= bounds["effective_rank_at_least"]
    report["collapsed"] = not ok
    print(f"collapsed: {'no' if ok else 'YES'} (bounds: std > {bounds['std_min_above']} in every dimension, "
          f"rank >= {bounds['effective_rank_at_least']:.1f})")
    out = Path(args.out)
    write_results(out, report)
    print(f"written {out}")
    return 0 if ok else 1


def bench_encode_command(args: argparse.Namespace) -> dict[str, Any]:
    """`glasses-agent bench encode [--file CHECKPOINT]`: per-tick encode latency (see tools/bench/encode.py)."""
    from tools.bench.encode import bench_encode
    from tools.bench.replay import _machine

    # Both thread counts: on a loaded machine two spinning OpenMP threads can be slower than one.
    result = bench_encode(args.file, threads=1)
    two = bench_encode(args.file, threads=2)
    result["threads_2"] = {k: two[k] for k in ("latency_ms_p50", "latency_ms_p99", "ticks_per_s", "batch10_ms_median",
                                               "load_average_1min")}
    result["machine"] = _machine()
    return result
