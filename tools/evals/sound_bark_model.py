"""Train the bark detector's model (glasses_agent/detectors/barks.py) from scratch on the tuning half, and
judge it with dogs AND negatives held out (tools/evals/sound_bark_judge.py).

Material: the tuning half only (splits.toml): its dogs (tuxpaint_dog and the tuning `[packaged_sounds]`),
its other sounds and voices, the packaged negatives (tools/evals/sound_negatives.py, ~1,500 files of
17 groups), over its noise bed (the dishes) and the further tuning beds of tools/evals/noise_beds.py.

    python -m tools.evals.sound_bark_model judge      # per fold: dog, negative groups, voice, sound, bed held out
    python -m tools.evals.sound_bark_model train      # writes glasses_agent/detectors/bark_model.npz

Deterministic: fixed seeds, a one-hidden-layer network trained full batch on one thread (classes weighed
equally). The threshold comes from the held-out judge: each fold's model scores its own held-out mixes'
bursts, and the threshold is the lowest whose held-out false bursts stay at FALSE_PER_MIN a minute or under
over all folds' judge mixes (for a fold's own figure, the threshold is chosen from the other folds' mixes).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from glasses_agent.detectors.barks import MODEL_PATH, BarkModel
from tools.evals import sound_bark_judge as judge_mod

HIDDEN = 64
WEIGHT_DECAY = 3.0
DROPOUT = 0.5
EPOCHS = 300
FALSE_PER_MIN = 0.25  # held-out false bursts a minute allowed


def fit(X: np.ndarray, y: np.ndarray, seed: int = 0) -> BarkModel:
    """One hidden layer of HIDDEN ReLUs on standardised features (AdamW, full batch, EPOCHS steps, dropout,
    classes weighed equally), from a fixed seed on one thread: the same bursts give the same model."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-3
    Xt = torch.tensor((X - mean) / scale, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.float32)
    net = torch.nn.Sequential(torch.nn.Linear(X.shape[1], HIDDEN), torch.nn.ReLU(), torch.nn.Dropout(DROPOUT),
                              torch.nn.Linear(HIDDEN, 1))
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=WEIGHT_DECAY)
    weight = torch.tensor(np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum())) * len(y), dtype=torch.float32)
    for _ in range(EPOCHS):
        opt.zero_grad()
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(net(Xt)[:, 0], yt, reduction="none") * weight).mean()
        loss.backward()
        opt.step()
    first, last = net[0], net[3]
    return BarkModel(mean, scale, first.weight.detach().numpy().T.astype(np.float64), first.bias.detach().numpy().astype(np.float64),
                     last.weight.detach().numpy()[0].astype(np.float64), float(last.bias.detach()), 0.5)


def held_out_scores(data: dict[str, np.ndarray], folds: list) -> tuple[np.ndarray, list[BarkModel]]:
    """Each judge burst's score from its fold's model (trained on nothing the fold holds out)."""
    scores = np.zeros(len(data["y"]))
    models = []
    for f, fold in enumerate(folds):
        rows = judge_mod.training_rows(data, fold)
        model = fit(data["X"][rows], data["y"][rows])
        held = data["set"] == f
        scores[held] = model.scores(data["X"][held])
        models.append(model)
    return scores, models


def choose_threshold(data: dict[str, np.ndarray], scores: np.ndarray, rows: np.ndarray) -> float:
    """The lowest threshold whose false bursts among `rows` stay at FALSE_PER_MIN a minute or under."""
    negative = np.sort(scores[rows & (data["y"] == 0)])[::-1]
    allowed = int(FALSE_PER_MIN * len(np.unique(data["mix"][rows])))
    return float(negative[allowed] + 1e-6) if allowed < len(negative) else 0.5


def _collected(cache: Path | None) -> tuple[dict[str, np.ndarray], list]:
    from tools.evals import sound_packages

    sound_packages.fetched()  # a fresh machine fetches the packaged dogs and negatives (apt-get) before training
    m = judge_mod.material(fetch=True)
    if cache and cache.exists():
        with np.load(cache) as z:
            data = {k: z[k] for k in z.files}
    else:
        data = judge_mod.collect(m)
        if cache:
            np.savez(cache, **data)
    return data, judge_mod.folds(m)


def cmd_judge(args: argparse.Namespace) -> int:
    data, folds = _collected(args.cache)
    scores, _ = held_out_scores(data, folds)
    judge_rows = data["set"] >= 0
    out = {}
    for f, fold in enumerate(folds):
        own = data["set"] == f
        threshold = choose_threshold(data, scores, judge_rows & ~own)
        r = judge_mod.judged(data, own, scores, threshold)
        false_by = {}
        for src in data["source"][own & (data["y"] == 0) & (scores >= threshold)]:
            false_by[str(src)] = false_by.get(str(src), 0) + 1
        out[fold.dog] = {**r, "threshold": round(threshold, 3), "held_out": [*fold.negatives, fold.voice, fold.sound, int(fold.bed)],
                         "false_bursts_by_source": false_by}
        print(f"fold {fold.dog:<16} {r} threshold {threshold:.3f}\n    holds {fold.negatives} {fold.voice} {fold.sound} bed {fold.bed}"
              f"\n    false bursts by source {false_by}", flush=True)
    tot = {k: sum(v[k] for v in out.values()) for k in ("occurrences", "recalled", "alerts", "true")}
    minutes = int(judge_rows.sum() and len(np.unique(data["mix"][judge_rows])))
    print(f"all folds: recall {tot['recalled']}/{tot['occurrences']} = {tot['recalled'] / max(1, tot['occurrences']):.3f}, "
          f"precision {tot['true']}/{tot['alerts']} = {tot['true'] / max(1, tot['alerts']):.3f}, "
          f"false alerts {(tot['alerts'] - tot['true']) / max(1, minutes):.2f} a minute over {minutes} min")
    pooled = choose_threshold(data, scores, judge_rows)
    print(f"pooled threshold (the shipped model's) {pooled:.3f}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    data, folds = _collected(args.cache)
    scores, _ = held_out_scores(data, folds)
    threshold = choose_threshold(data, scores, data["set"] >= 0)
    rows = judge_mod.training_rows(data, None)
    model = fit(data["X"][rows], data["y"][rows]).with_threshold(threshold)
    model.save(args.out)
    print(f"{int(data['y'][rows].sum())} bark bursts, {int((data['y'][rows] == 0).sum())} others; "
          f"threshold {model.threshold:.3f} (held-out judge); written {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.evals.sound_bark_model", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--out", type=Path, default=MODEL_PATH)
    j = sub.add_parser("judge")
    j.add_argument("--json", type=Path)
    for p in (t, j):
        p.add_argument("--cache", type=Path, help="keep the collected bursts here (npz) and reuse them")
    args = ap.parse_args(argv)
    return {"train": cmd_train, "judge": cmd_judge}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
