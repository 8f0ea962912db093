"""`glasses-agent eval ...`: the models' and detectors' evaluations as tables (every target below).

    glasses-agent eval probe [--quick]                                           frozen-feature linear probes
    glasses-agent eval collapse [--checkpoint CKPT]                              is the encoder collapsed?
    glasses-agent eval perception [--checkpoint LABEL=CKPT[,CKPT,CKPT]]        the agent's tasks, reporting clips
    glasses-agent eval surprise --pairs DIR [--world CKPT] [--perception CKPT]   pairwise accuracy table
    glasses-agent eval make-pairs (--from CLIP... | --split tuning|reporting) --out DIR   pairs from real clips
    glasses-agent eval controls --pairs DIR                                      plausible controls vs the prompt bar
    glasses-agent eval hazards | eval sounds                                     issue 18's hazard and alert-sound judges (senses_evals.py)
    glasses-agent eval tracking [--clip CLIP --labels FILE]                      tracks against hand labels (tracking_eval.py)

The evaluations are tools/evals/; torch is imported inside the handlers, so `glasses-agent --help`
stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tools.commands.common import add_object_slots_argument, positive_int, write_results
from tools.commands.make_pairs import add_targets as add_make_pairs_targets
from tools.commands.senses_evals import add_targets as add_senses_targets
from tools.commands.tracking_eval import add_targets as add_tracking_targets


def register(subparsers: Any) -> None:
    """Add `eval` and its targets (probe, collapse, perception, surprise, make-pairs, controls, hazards, sounds,
    tracking) to the CLI."""
    evaluate = subparsers.add_parser("eval", help="evaluate models and print (and write) the tables")
    targets = evaluate.add_subparsers(dest="eval_target", metavar="TARGET", required=True)
    _add_perception(targets)
    _add_perception_tasks(targets)
    _add_surprise(targets)
    add_make_pairs_targets(targets)
    _add_controls(targets)
    add_senses_targets(targets)
    add_tracking_targets(targets)


def _add_perception(subparsers: Any) -> None:
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


def _add_perception_tasks(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "perception",
        help="the perception model in the agent's tasks: object re-id, sound re-id, appearance change",
        description="On the reporting half of splits.toml: object re-identification (real object crops "
        "composited over real clips, mAP), sound re-identification (shared sounds over a noise bed they "
        "were not enrolled over, among other sounds and speech, mAP) and appearance change (voe_dev "
        "constancy pairs, pairwise accuracy of the box feature's cosine change), for each checkpoint, the "
        "same encoder untrained, and raw input (the box's pixels, the mean log-mel). Mean ± std over seeds.",
    )
    p.add_argument("--checkpoint", action="append", default=None, metavar="LABEL=CKPT[,CKPT...]",
                   help="a row: one checkpoint, or one per seed (comma-separated); repeatable "
                   "(default: shipped=the shipped checkpoint)")
    p.add_argument("--seeds", type=positive_int, default=3, help="seeds (default 3)")
    p.add_argument("--episodes", type=positive_int, default=2, help="object episodes per reporting clip (default 2)")
    p.add_argument("--pairs", default=None, help="folder of constancy pairs (default ../shared/data/voe_dev)")
    p.add_argument("--readout", choices=("frame", "crop"), default="frame",
                   help="frame: the whole view encoded, its tokens pooled in the box, as the agent reads them "
                   "(default); crop: the box cut out and encoded as the view")
    p.add_argument("--quick", action="store_true", help="a smoke run: one seed, two clips and two pairs")
    p.add_argument("--out", default="bench-results/perception-tasks.json", help="JSON to write")
    p.add_argument("--threads", type=positive_int, default=1)
    p.set_defaults(handler=cmd_eval_perception_tasks)


def cmd_eval_perception_tasks(args: argparse.Namespace) -> int:
    """`glasses-agent eval perception`: the three task measures, every feature source, mean ± std over seeds."""
    import torch

    from glasses_agent.perception.errors import PerceptionError
    from tools.evals.perception.run import EvalSettings, format_table, run_perception_eval, winners

    torch.set_num_threads(args.threads)
    settings = EvalSettings(seeds=1 if args.quick else args.seeds, episodes_per_clip=1 if args.quick else args.episodes,
                            max_clips=2 if args.quick else None, readout=args.readout)
    if args.checkpoint:
        settings.checkpoints = {}
        for item in args.checkpoint:
            label, sep, paths = item.partition("=")
            if not sep or not label or not paths or label in ("untrained", "raw"):
                raise PerceptionError(f"--checkpoint wants LABEL=CKPT[,CKPT...] (label not untrained/raw), got {item!r}")
            settings.checkpoints[label] = paths.split(",")
    if args.pairs:
        settings.voe_dir = Path(args.pairs)
    result = run_perception_eval(settings, log=lambda text: print(text, file=sys.stderr, flush=True))
    print(format_table(result))
    for task, label in winners(result).items():
        print(f"best on {task}: {label}")
    out = write_results(args.out, result)
    print(f"written {out}")
    return 0


def cmd_eval_probe(args: argparse.Namespace) -> int:
    """`glasses-agent eval probe`: JEPA vs pixel vs random init, linear probes on frozen features."""
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
    from tools.progress import Progress

    # One probe run per seed and model; each finished one moves the bar and is printed in full.
    with Progress("eval probe", total=settings.seeds * len(models)) as progress:
        result = run_probe(settings, log=lambda text: progress.update(
            advance=1 if text.startswith("seed ") else 0, note=text, important=True))
    print(format_table(result))
    out = write_results(args.out, result)
    print(f"written {out}")
    return 0


def cmd_eval_collapse(args: argparse.Namespace) -> int:
    """`glasses-agent eval collapse`: per-dimension std and effective rank; exit 1 when collapsed."""
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


def _add_surprise(subparsers: Any) -> None:
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
    add_object_slots_argument(p)
    # One thread: per-tick work is tiny, and on a busy 2-core machine a second thread mostly waits.
    p.add_argument("--threads", type=positive_int, default=1, help="torch CPU threads (default 1)")
    p.set_defaults(handler=cmd_eval_surprise)


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
    """`glasses-agent eval surprise --pairs DIR`: is the plausible clip the less surprising, per model?"""
    import torch

    torch.set_num_threads(args.threads)
    from glasses_agent.world_model import WorldModel
    from tools.evals.surprise_pairs import (
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
    full = WorldModel(dynamics, dynamics.config if dynamics is not None else None, use_slots=args.object_slots)
    latent_only = WorldModel(dynamics, dynamics.config, use_objects=False) if dynamics is not None else None
    untrained = WorldModel(untrained_dynamics, untrained_dynamics.config, use_objects=False)
    cache: dict[Path, Any] = {}
    pair_of = {clip_path: (pair.plausible, pair.implausible) for pair in pairs for clip_path in (pair.plausible, pair.implausible)}

    def clip(path: Path) -> Any:
        if path not in cache:
            # Pairs are evaluated one at a time, each model on both twins: keep the pair at hand
            # (both clips, decoded and encoded once for all the models), nothing older.
            for old in [p for p in cache if p not in pair_of[path]]:
                del cache[old]
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


def _add_controls(subparsers: Any) -> None:
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
    c.set_defaults(handler=cmd_eval_controls)


def cmd_eval_controls(args: argparse.Namespace) -> int:
    """`glasses-agent eval controls --pairs DIR`: the world model on each control and its bare reference."""
    import torch

    torch.set_num_threads(args.threads)
    from glasses_agent.world_model import WorldModel
    from glasses_agent.world_model.recordings import clip_ticks
    from tools.evals.controls import PROMPT_Z, evaluate_controls, format_controls, load_controls
    from tools.evals.frame_rate import tick_hz_for
    from tools.evals.surprise_pairs import world_surprise

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
