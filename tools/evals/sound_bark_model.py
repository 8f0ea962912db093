"""Train the bark detector's model (glasses_agent/detectors/barks.py) from scratch on the tuning half, and
judge it leave-one-dog-out in `eval sounds`' own mixes.

Material: the tuning half only (splits.toml): its dogs (tuxpaint_dog and the tuning `[packaged_sounds]`),
its other sounds and speech, over its noise bed (the dishes) and the further tuning beds of
tools/evals/noise_beds.py. Training mixes are `sound_eval.make_mix` mixes of every tuning recording at
seeds TRAIN_SEEDS (never the eval's 0-23), over each bed in turn. Every burst the detector judges is a
sample: a bark when its onset lies within a dog's placement, not one when no dog sounds within
NEAR_S of it (the rest, a dog's neighbourhood, are left out). A *dog* is a package (scratch's two files,
lugaru's four, scorched3d's three are each likely one animal): leave-one-dog-out holds out a package.

    python -m tools.evals.sound_bark_model train      # writes glasses_agent/detectors/bark_model.npz
    python -m tools.evals.sound_bark_model logo       # leave-one-dog-out in eval sounds' mixes (seeds 0-23)

Deterministic: fixed seeds, a one-hidden-layer network trained full batch on one thread (classes weighed
equally; a logistic model on the same features found half as many held-out barks at the same false
rate). The threshold is chosen without the dog it is judged on: leave-one-dog-out within the training
dogs gives each training burst an out-of-fold score, and the threshold is the lowest whose out-of-fold
false bursts stay at FALSE_PER_MIN a minute of mix or under.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from glasses_agent.detectors.barks import MODEL_PATH, SR, BarkDetector, BarkModel
from glasses_agent.scoring import sound_eval
from tools import data_splits
from tools.evals import sound_packages

TRAIN_SEEDS = range(1000, 1016)  # per bed
EVAL_SEEDS = range(24)
NEAR_S = 0.5
ONSET_TOL_S = 0.1  # a burst this near a bark's onset is that bark (its rise over the bed may lag the clean onset)
BARK_GAP_S = 0.08
HIDDEN = 128
WEIGHT_DECAY = 0.3
DROPOUT = 0.2
EPOCHS = 300
FALSE_PER_MIN = 0.5  # out-of-fold false bursts a minute allowed (0.2 held out: recall 0.66, precision 0.93)


def dog_of(stem: str) -> str:
    """The animal a dog recording is (its package; the shared data's tuxpaint_dog is tuxpaint's)."""
    for s in sound_packages.SOUNDS:
        if Path(s.name).stem == stem:
            return s.package
    return stem.split("_")[0]


def tuning_material(data: Path = data_splits.SHARED_DATA) -> tuple[dict[str, np.ndarray], list[Path], list[Path], dict[str, str]]:
    """(recordings by stem, the tuning dogs' paths, the tuning beds, kinds by stem)."""
    from tools.evals.noise_beds import packaged_beds, synthetic_beds

    kinds = {**sound_eval.KIND_OF, **sound_packages.kinds()}
    dogs = [p for p in data_splits.clips("packaged_sounds", "tuning", sound_packages.cache_dir()) if p.exists()]
    sounds = data_splits.clips("sounds", "tuning", data) + dogs
    speech = data_splits.clips("speech", "tuning", data)
    recordings = {p.stem: sound_eval.load_audio(p, 8.0) for p in sounds}
    recordings.update({p.stem: sound_eval.load_audio(p, 4.0) for p in speech})
    beds = data_splits.clips("noise", "tuning", data) + packaged_beds(fetch=False) + synthetic_beds()
    return recordings, [p for p in sounds if kinds.get(p.stem) == "dog"], beds, kinds


def bark_onsets(samples: np.ndarray) -> list[float]:
    """Seconds from a dog recording's start to each of its barks' onsets: where its 20 ms level rises to a
    tenth of the loudest after BARK_GAP_S under it (dog3.wav barks nine times; most files once or twice)."""
    n = len(samples) // 320
    rms = np.sqrt((samples[: n * 320].astype(np.float32).reshape(n, 320) ** 2).mean(axis=1))
    on = rms >= 0.1 * rms.max()
    onsets, quiet = [], BARK_GAP_S
    for i, loud in enumerate(on):
        if loud and quiet >= BARK_GAP_S:
            onsets.append(i * 0.02)
        quiet = 0.0 if loud else quiet + 0.02
    return onsets


def collect(recordings: dict[str, np.ndarray], beds: list[Path], seeds: range, kinds: dict[str, str]) -> dict[str, np.ndarray]:
    """Every judged burst of the training mixes: features X, label y (1 bark, 0 not), the dog's name
    (or ''), and the mix it came from."""
    xs, ys, names, mixes = [], [], [], []
    for b, bed_path in enumerate(beds):
        bed = sound_eval.load_audio(bed_path, 200.0)
        for seed in seeds:
            mix, placed = sound_eval.make_mix(recordings, bed, seed, kinds=kinds)
            det = BarkDetector(SR, keep_bursts=True)
            for i in range(1, len(mix) // (SR // 10) + 1):
                end = i * (SR // 10)
                det.update(mix[max(0, end - SR):end], i * 100_000_000)
            dogs = [p for p in placed if p.kind == "dog"]
            barks = [(p, p.onset_s - sound_eval.sound_onset(recordings[p.name]) + b) for p in dogs
                     for b in bark_onsets(recordings[p.name])]
            for burst in det.bursts:
                t = burst.onset_ns / 1e9
                inside = [p for p, b in barks if abs(t - b) <= ONSET_TOL_S]
                near = [p for p in dogs if p.onset_s - NEAR_S <= t <= p.end_s + NEAR_S]
                if inside:
                    xs.append(burst.features), ys.append(1), names.append(inside[0].name)
                elif not near:
                    xs.append(burst.features), ys.append(0), names.append("")
                else:
                    continue
                mixes.append(b * 10_000 + seed)
    return {"X": np.array(xs), "y": np.array(ys), "dog": np.array(names), "mix": np.array(mixes)}


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


def out_of_fold(data: dict[str, np.ndarray], dogs: list[str]) -> np.ndarray:
    """Each burst's score from a model trained without its dog (negatives: the held-out dog's mixes' share)."""
    groups = np.array([dog_of(n) if n else "" for n in data["dog"]])
    scores = np.zeros(len(data["y"]))
    mix_fold = data["mix"] % len(dogs)  # negatives split by mix, so no fold scores its own training bursts
    for f, dog in enumerate(dogs):
        held = (groups == dog) | ((data["y"] == 0) & (mix_fold == f))
        model = fit(data["X"][~held], data["y"][~held])
        scores[held] = model.scores(data["X"][held])
    return scores


def choose_threshold(data: dict[str, np.ndarray], scores: np.ndarray, minutes: float) -> float:
    """The lowest threshold whose false bursts (out of fold) stay at FALSE_PER_MIN a minute or under."""
    negative = np.sort(scores[data["y"] == 0])[::-1]
    allowed = int(FALSE_PER_MIN * minutes)
    return float(negative[allowed] + 1e-6) if allowed < len(negative) else 0.5


def train(data: dict[str, np.ndarray], minutes: float) -> BarkModel:
    """The model on every burst given, with its threshold chosen leave-one-dog-out among their dogs."""
    dogs = sorted({dog_of(n) for n in data["dog"] if n})
    threshold = choose_threshold(data, out_of_fold(data, dogs), minutes)
    return fit(data["X"], data["y"]).with_threshold(threshold)


def _collected(cache: Path | None) -> tuple[dict[str, np.ndarray], dict, list[Path], float, dict]:
    recordings, dog_paths, beds, kinds = tuning_material()
    if cache and cache.exists():
        with np.load(cache) as z:
            data = {k: z[k] for k in z.files}
    else:
        data = collect(recordings, beds, TRAIN_SEEDS, kinds)
        if cache:
            np.savez(cache, **data)
    minutes = len(beds) * len(TRAIN_SEEDS) * 1.0  # each mix is 60 s
    return data, recordings, dog_paths, minutes, kinds


def cmd_train(args: argparse.Namespace) -> int:
    data, _, _, minutes, _ = _collected(args.cache)
    model = train(data, minutes)
    model.save(args.out)
    print(f"{int(data['y'].sum())} bark bursts, {int((1 - data['y']).sum())} others over {minutes:.0f} min of mixes; "
          f"threshold {model.threshold:.3f}; written {args.out}")
    return 0


def cmd_logo(args: argparse.Namespace) -> int:
    data, recordings, dog_paths, minutes, kinds = _collected(args.cache)
    groups = np.array([dog_of(n) if n else "" for n in data["dog"]])
    shared = data_splits.clips("sounds", "tuning", data_splits.SHARED_DATA)
    others = [p for p in shared if kinds.get(p.stem) != "dog"]
    speech = data_splits.clips("speech", "tuning", data_splits.SHARED_DATA)
    bed = data_splits.clips("noise", "tuning", data_splits.SHARED_DATA)[0]
    out = {}
    for dog in sorted({g for g in groups if g}):
        keep = groups != dog
        model = train({k: v[keep] for k, v in data.items()}, minutes)
        held = [p for p in dog_paths if dog_of(p.stem) == dog]
        report = sound_eval.evaluate(others + held, speech, bed, EVAL_SEEDS, kinds=kinds,
                                     detector=lambda m=model: BarkDetector(SR, m), detected=("dog",))
        s = report["kinds"]["dog"]
        out[dog] = {**s, "threshold": round(model.threshold, 3), "false": report["false_alerts"]}
        print(f"held out {dog:<16} occurrences {s['occurrences']:>3} recall {s['recall']} alerts {s['alerts']:>3} "
              f"precision {s['precision']} onset median {s['onset_s_median']} max {s['onset_s_max']} "
              f"(threshold {model.threshold:.3f})", flush=True)
        for line in report["false_alerts"]:
            print(f"    false {line}")
    occ = sum(v["occurrences"] for v in out.values())
    rec = sum(v["recalled"] for v in out.values())
    alerts = sum(v["alerts"] for v in out.values())
    true = sum(v["true"] for v in out.values())
    print(f"all held out: recall {rec}/{occ} = {rec / max(1, occ):.3f}, precision {true}/{alerts} = {true / max(1, alerts):.3f}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.evals.sound_bark_model", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--out", type=Path, default=MODEL_PATH)
    lo = sub.add_parser("logo")
    lo.add_argument("--json", type=Path)
    for p in (t, lo):
        p.add_argument("--cache", type=Path, help="keep the collected bursts here (npz) and reuse them")
    args = ap.parse_args(argv)
    return {"train": cmd_train, "logo": cmd_logo}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
