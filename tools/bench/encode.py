"""`glasses-agent bench encode`: the perception model's cost per tick on this machine.

Ticks come from a generated scene with a 30 fps 320x240 camera (so resampling and resizing are
paid as live), one at a time through the same path as the pipeline's PerceptionStage (frame
history + encode), on 1 torch thread (and again on 2), for torch eager and the exported ONNX graph side
by side. Also: a batch of 10 ticks, parameters, peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from typing import Any

import numpy as np

from tools.bench.common import machine_info


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def _figures(latencies: list[float], batch_ms: list[float]) -> dict[str, float]:
    lat = np.array(latencies)
    return {
        "latency_ms_p50": round(float(np.percentile(lat, 50)), 3),
        "latency_ms_p99": round(float(np.percentile(lat, 99)), 3),
        "latency_ms_mean": round(float(lat.mean()), 3),
        "ticks_per_s": round(1000.0 / float(lat.mean()), 1),
        "batch10_ms_median": round(float(np.median(batch_ms)), 3),
        "batch10_ticks_per_s": round(10 * 1000.0 / float(np.median(batch_ms)), 1),
    }


def bench_encode(checkpoint: str | None = None, ticks: int = 200, threads: int = 1) -> dict[str, Any]:
    """Torch eager and the ONNX graph side by side: the same ticks, each tick timed on both in turn
    (so a change in the machine's load falls on both alike), each with its own frame history."""
    import torch

    from glasses_agent.perception.data import ticks_of
    from glasses_agent.perception.inference import FrameHistory, load_encoder
    from glasses_agent.perception.onnx_export import relative_difference
    from streams.sources.synthetic import SyntheticSource

    rss_before = _peak_rss_mb()
    encoders = {"torch_eager": load_encoder(checkpoint, threads=threads, backend="torch")}
    onnx = load_encoder(checkpoint, threads=threads, backend="auto")
    if onnx.backend == "onnx":
        encoders["onnx"] = onnx
    duration = (ticks + 20) / 10.0 + 1.0
    source = SyntheticSource(seed=0, scenario="mixed", duration_s=duration, fps=30.0, size=(320, 240),
                             include_truth=False)
    config = encoders["torch_eager"].config
    all_ticks = list(ticks_of(source.frames(), config))[10:]
    # As the pipeline delivers them: each tick carries only its newest 4 frames.
    from dataclasses import replace

    all_ticks = [replace(t, video=t.video[-4:]) for t in all_ticks]
    histories = {name: FrameHistory(config) for name in encoders}
    for tick in all_ticks[:10]:  # warm-up
        for name, encoder in encoders.items():
            encoder.encode([histories[name].extend(tick)])
    latencies: dict[str, list[float]] = {name: [] for name in encoders}
    differences: list[float] = []
    for tick in all_ticks[10:10 + ticks]:
        out = {}
        for name, encoder in encoders.items():
            t0 = time.perf_counter_ns()
            (out[name],) = encoder.encode([histories[name].extend(tick)])
            latencies[name].append((time.perf_counter_ns() - t0) / 1e6)
        if "onnx" in out:
            a, b = out["torch_eager"], out["onnx"]
            differences.append(max(relative_difference(a.video_tokens, b.video_tokens),
                                   relative_difference(a.audio_tokens, b.audio_tokens)))
    batch = [histories["torch_eager"].extend(t) for t in all_ticks[-10:]]
    batch_ms: dict[str, list[float]] = {name: [] for name in encoders}
    for _ in range(5):
        for name, encoder in encoders.items():
            t0 = time.perf_counter_ns()
            encoder.encode(batch)
            batch_ms[name].append((time.perf_counter_ns() - t0) / 1e6)
    backends = {name: _figures(latencies[name], batch_ms[name]) for name in encoders}
    used = "onnx" if "onnx" in backends else "torch_eager"
    result: dict[str, Any] = {
        "benchmark": "encode one tick (frame history + resample/resize + log-mel + fused encoder): "
                     "torch eager and ONNX Runtime side by side; top-level figures are the agent's backend",
        "backend": used,
        **backends[used],
        "backends": backends,
        "checkpoint": checkpoint or "default",
        "ticks": len(latencies[used]),
        "torch_threads": torch.get_num_threads(),
        "budget_ms_per_tick_10hz": 100.0,
        "lead_ms": 10.0,
        "parameters": encoders["torch_eager"].parameters,
        "tokens": config.video_tokens + config.audio_tokens,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "peak_rss_mb_before_model": round(rss_before, 1),
        "camera": "synthetic 320x240 at 30 fps, 16 kHz audio",
        # Other processes share these cores: the load says how far the figures are from an idle machine's.
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    if "onnx" in backends:
        result["onnx_speedup_p50"] = round(backends["torch_eager"]["latency_ms_p50"] / backends["onnx"]["latency_ms_p50"], 2)
        # The graph's tokens against torch's, relative to their scale (float32 rounding: onnx_export.py).
        result["onnx_difference_p50"] = float(f"{np.median(differences):.3g}")
        result["onnx_difference_max"] = float(f"{max(differences):.3g}")
    else:
        result["onnx_unavailable"] = onnx.note
    return result


def bench_encode_command(args: argparse.Namespace) -> dict[str, Any]:
    """`glasses-agent bench encode [--file CHECKPOINT]`: per-tick encode latency, with one and with two threads."""

    # Both thread counts: on a loaded machine two spinning OpenMP threads can be slower than one.
    result = bench_encode(args.file, threads=1)
    two = bench_encode(args.file, threads=2)
    result["threads_2"] = {k: two[k] for k in ("latency_ms_p50", "latency_ms_p99", "ticks_per_s", "batch10_ms_median",
                                               "load_average_1min")}
    result["machine"] = machine_info()
    return result
