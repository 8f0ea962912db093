"""`glasses-agent bench encode`: the perception model's cost per tick on this machine.

Ticks come from a generated scene with a 30 fps 320x240 camera (so resampling and resizing are
paid as live), one at a time through the same path as the pipeline's PerceptionStage (frame
history + encode), on 1 torch thread (and again on 2). Also: a batch of 10 ticks, parameters, peak memory.
"""

from __future__ import annotations

import os
import resource
import time
from typing import Any

import numpy as np


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def bench_encode(checkpoint: str | None = None, ticks: int = 200, threads: int = 1) -> dict[str, Any]:
    import torch

    from glasses_agent.perception.data import ticks_of
    from glasses_agent.perception.inference import FrameHistory, load_encoder
    from streams.sources.synthetic import SyntheticSource

    rss_before = _peak_rss_mb()
    encoder = load_encoder(checkpoint, threads=threads)
    duration = (ticks + 20) / 10.0 + 1.0
    source = SyntheticSource(seed=0, scenario="mixed", duration_s=duration, fps=30.0, size=(320, 240),
                             include_truth=False)
    all_ticks = list(ticks_of(source.frames(), encoder.config))[10:]
    # As the pipeline delivers them: each tick carries only its newest 4 frames.
    from dataclasses import replace

    all_ticks = [replace(t, video=t.video[-4:]) for t in all_ticks]
    history = FrameHistory(encoder.config)
    warm = all_ticks[:10]
    for tick in warm:
        encoder.encode([history.extend(tick)])
    latencies = []
    for tick in all_ticks[10:10 + ticks]:
        t0 = time.perf_counter_ns()
        encoder.encode([history.extend(tick)])
        latencies.append((time.perf_counter_ns() - t0) / 1e6)
    batch = [history.extend(t) for t in all_ticks[-10:]]
    batch_ms = []
    for _ in range(5):
        t0 = time.perf_counter_ns()
        encoder.encode(batch)
        batch_ms.append((time.perf_counter_ns() - t0) / 1e6)
    lat = np.array(latencies)
    return {
        "benchmark": "encode one tick (frame history + resample/resize + log-mel + fused encoder), torch eager",
        "checkpoint": checkpoint or "default",
        "ticks": int(len(lat)),
        "torch_threads": torch.get_num_threads(),
        "latency_ms_p50": round(float(np.percentile(lat, 50)), 3),
        "latency_ms_p99": round(float(np.percentile(lat, 99)), 3),
        "latency_ms_mean": round(float(lat.mean()), 3),
        "ticks_per_s": round(1000.0 / float(lat.mean()), 1),
        "batch10_ms_median": round(float(np.median(batch_ms)), 3),
        "batch10_ticks_per_s": round(10 * 1000.0 / float(np.median(batch_ms)), 1),
        "budget_ms_per_tick_10hz": 100.0,
        "lead_ms": 10.0,
        "parameters": encoder.parameters,
        "tokens": encoder.config.video_tokens + encoder.config.audio_tokens,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "peak_rss_mb_before_model": round(rss_before, 1),
        "camera": "synthetic 320x240 at 30 fps, 16 kHz audio",
        # Other processes share these cores: the load says how far the figures are from an idle machine's.
        "load_average_1min": round(os.getloadavg()[0], 2),
    }

