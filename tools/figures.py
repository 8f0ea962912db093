"""Pictures of the figures the commands write as JSON, drawn with matplotlib (no display needed).

- `training_curves`: train and held-out loss, min per-dimension std and effective rank against
  the step, each on its own axes (`train perception` writes curves.png);
- `results_figure`: a PNG beside a command's JSON (`write_results`), when the result holds
  something worth a picture: per-kind recall and precision (scenarios), per-stage latency p50/p99
  (bench agent, bench replay), probe accuracy per model and task with its spread over seeds
  (eval probe), the simulator's pace with and without the UI against its targets (bench sim).
  Other results get no picture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only: never opens a window, works without a display
    import matplotlib.pyplot as plt

    return plt


def training_curves(history: list[dict[str, Any]], path: Path) -> None:
    """The training history as four panels with labelled axes."""
    plt = _pyplot()
    panels = [("loss", "train loss"), ("eval_loss", "held-out loss"), ("std_min", "min per-dim std"),
              ("effective_rank", "effective rank")]
    fig, axes = plt.subplots(1, len(panels), figsize=(16, 3.6), constrained_layout=True)
    for ax, (key, title) in zip(axes, panels):
        pts = [(r["step"], r[key]) for r in history if key in r and np.isfinite(r[key])]
        ax.set_title(title)
        ax.set_xlabel("step")
        ax.set_ylabel(title)
        ax.grid(alpha=0.3)
        if pts:
            xs, ys = zip(*pts)
            ax.plot(xs, ys, marker="o" if len(pts) <= 50 else None, markersize=3)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def results_figure(result: dict[str, Any], path: Path) -> Path | None:
    """Draw `result` into `path` (a .png) if it is a kind with a picture; returns the path or None."""
    kinds = result.get("kinds")
    if isinstance(kinds, dict) and kinds and all(isinstance(k, dict) and "recall" in k for k in kinds.values()):
        _kind_scores(result["kinds"], path, result.get("halves"))
    elif isinstance(result.get("stages"), dict) and any("p50_ms" in s for s in result["stages"].values()):
        _stage_latencies(result["stages"], path, result.get("benchmark", ""))
    elif isinstance(result.get("results"), dict) and "jepa" in result["results"]:
        _probe(result["results"], path)
    elif isinstance(result.get("ui"), dict) and isinstance(result.get("headless"), dict) and "targets" in result:
        _sim_pace(result, path)
    else:
        return None
    return path


def _kind_scores(kinds: dict[str, dict[str, Any]], path: Path,
                 halves: dict[str, dict[str, dict[str, Any]]] | None = None) -> None:
    """Recall and precision per prompt kind: the suite's table, and beside it each half of
    splits.toml's table where the result has them (scenarios: issue 18's cases)."""
    plt = _pyplot()
    panels = [("scenario suite", kinds)]
    named = {"tuning": "tuning half", "reporting": "reporting half (held out)"}
    order = sorted((halves or {}).items(), key=lambda item: (item[0] != "tuning", item[0]))
    panels += [(f"issue 18's cases, {named.get(half, half)}", table) for half, table in order if table]
    widest = max(len(table) for _, table in panels)
    fig, axes = plt.subplots(1, len(panels), figsize=(max(6, 1.1 * widest) * len(panels) * 0.8, 3.8),
                             constrained_layout=True, squeeze=False)
    for ax, (title, table) in zip(axes[0], panels):
        names = sorted(table)
        x = np.arange(len(names))
        for offset, key in ((-0.2, "recall"), (0.2, "precision")):
            values = [table[n].get(key) for n in names]
            ax.bar(x + offset, [v if v is not None else 0 for v in values], 0.4, label=key)
            for xi, v in zip(x + offset, values):
                ax.text(xi, (v or 0) + 0.02, "-" if v is None else f"{v:.2f}", ha="center", fontsize=8)
        ax.set_xticks(x, names, rotation=20)
        ax.set_ylim(0, 1.15)
        ax.set_ylabel("share")
        ax.set_title(title, fontsize=10)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper right", fontsize=8, ncols=2)
    fig.suptitle("recall and precision per prompt kind (-: nothing expected, or no prompt)", fontsize=11)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _stage_latencies(stages: dict[str, dict[str, Any]], path: Path, title: str) -> None:
    plt = _pyplot()
    names = [n for n, s in stages.items() if "p50_ms" in s]
    y = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(names) + 1.5), constrained_layout=True)
    ax.barh(y - 0.2, [stages[n]["p50_ms"] for n in names], 0.4, label="p50")
    ax.barh(y + 0.2, [stages[n]["p99_ms"] for n in names], 0.4, label="p99")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("latency per tick (ms)")
    ax.set_title(title or "stage latency")
    ax.legend()
    ax.grid(axis="x", alpha=0.3)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _probe(results: dict[str, dict[str, dict[str, Any]]], path: Path) -> None:
    plt = _pyplot()
    models = list(results)
    tasks = list(next(iter(results.values())))
    x = np.arange(len(tasks))
    width = 0.8 / len(models)
    fig, ax = plt.subplots(figsize=(8, 3.8), constrained_layout=True)
    for k, model in enumerate(models):
        means = [results[model][t]["mean"] for t in tasks]
        stds = [results[model][t]["std"] for t in tasks]
        ax.bar(x + (k - (len(models) - 1) / 2) * width, means, width, yerr=stds, capsize=3, label=model)
    ax.set_xticks(x, tasks)
    ax.set_ylabel("probe accuracy (mean, std over seeds)")
    ax.set_ylim(0, 1)
    ax.set_title("linear probes on frozen features")
    ax.legend()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _sim_pace(result: dict[str, Any], path: Path) -> None:
    """bench sim: the three paced figures of the UI run and the run without the UI, each panel
    with its target as a dashed line, and the machine's load in the title (it moves them)."""
    plt = _pyplot()
    runs = [("with the UI", result["ui"]), ("without the UI", result["headless"])]
    targets = result["targets"]
    panels = [
        ("stream s per wall s", "stream_per_wall", targets.get("stream_per_wall_min"), "at least"),
        ("ticks skipped (%)", "ticks_skipped_pct", targets.get("ticks_skipped_max_pct"), "at most"),
        ("frame age p99 (ms)", "frame_age_p99_ms", targets.get("frame_age_p99_max_ms"), "under"),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(12, 3.4), constrained_layout=True)
    for ax, (title, key, target, sense) in zip(axes, panels):
        names = [name for name, run in runs if run.get(key) is not None]
        values = [run[key] for _, run in runs if run.get(key) is not None]
        ax.bar(names, values, color=["tab:blue", "tab:gray"][: len(values)])
        for i, v in enumerate(values):
            ax.text(i, v, f"{v:g}", ha="center", va="bottom", fontsize=9)
        if target is not None:
            ax.axhline(target, color="tab:red", linestyle="--", linewidth=1)
        ax.set_title(title if target is None else f"{title}\ntarget (dashed): {sense} {target:g}", fontsize=10)
        ax.set_ylabel(title)
        ax.set_ylim(0, max([*values, target or 0]) * 1.25 or 1)
    machine = result.get("machine", {})
    load = (f"load average {machine.get('load_average_1min_before', '?')} before, "
            f"{machine.get('load_average_1min_after', '?')} after")
    fig.suptitle(f"bench sim: --speed 1, full agent, {result.get('terminal', '')} ({load})")
    fig.savefig(path, dpi=100)
    plt.close(fig)
