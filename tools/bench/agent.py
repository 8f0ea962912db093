"""`glasses-agent bench agent`: the whole agent over the gopro clip at --speed max, beside its slower variants."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tools.bench.common import machine_info, prepare_recording
from tools.commands.common import run_agent

# `bench agent` runs each of these side by side (interleaved, so the machine's load falls on all
# alike): the serial torch-eager agent first, then each speed-up added in turn; the last is the
# agent as it ships, whose figures the benchmark reports at the top level. Each is (name, agent
# options, read ahead, decode JPEGs only when their pixels are read).
BENCH_AGENT_VARIANTS = (
    ("1_serial_torch", {"perception_backend": "torch", "world_backend": "torch", "overlap": False}, False, False),
    # + the encoder and the latent prediction as ONNX
    ("2_onnx_encoder", {"perception_backend": "auto", "overlap": False}, False, False),
    # + detectors, object memory and the latent prediction beside perception
    ("3_overlap", {"perception_backend": "auto", "overlap": True}, False, False),
    ("4_read_ahead", {"perception_backend": "auto", "overlap": True}, True, False),  # + decoding every frame ahead
    # + decoding only the frames the agent reads (ahead): the default
    ("5_decode_when_read", {"perception_backend": "auto", "overlap": True}, True, True),
)


def _bench_agent_run(recording: Path, tmp: Path, name: str, perception: str | None, options: dict[str, Any],
                     read_ahead: bool, decode_when_read: bool) -> dict[str, Any]:
    import time

    from glasses_agent.agent import Agent, AgentConfig
    from streams.recording import McapReplaySource

    import cv2

    cv2.setNumThreads(-1)  # OpenCV's own default; an overlapped agent sets its own (agent.py)
    memory = tmp / f"memory-{name}.sqlite3"
    memory.unlink(missing_ok=True)
    agent = Agent(AgentConfig(memory_path=str(memory), perception_checkpoint=perception, log_prompts=True, **options))
    prompts = tmp / f"prompts-{name}.jsonl"
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        source = McapReplaySource(recording, decode_when_read=decode_when_read)
        summary, outputs = run_agent(source, agent, speed=None, prompts_out=str(prompts), read_ahead=read_ahead)
        t_end, c_end = time.perf_counter(), time.process_time()
        notes = list(agent.notes)
    finally:
        agent.close()
    last = outputs.last_prompt_wall
    # Time on the loop's thread outside the ticks' chains: reading and decoding frames, tick sync.
    in_chain_s = sum(sum(stage.stats.latencies_ns) for stage in agent.stages()) / 1e9 if summary.ticks_processed else 0.0
    # Work started with the tick beside perception, timed on its own thread (the stage's latency
    # is then only the wait for it): the detectors, the object memory, the latent prediction.
    early = {f"{stage.name}{suffix}_started_early": stats.as_dict() for stage in agent.stages()
             for suffix, stats in (("", getattr(stage, "early_stats", None)),
                                   ("_prediction", getattr(stage, "prediction_stats", None)))
             if stats is not None and stats.calls}
    return {"to_last_prompt_s": (last - t0) if last else None, "wall_s": t_end - t0, "cpu_s": c_end - c0,
            "outside_ticks_s": max(0.0, summary.wall_s - in_chain_s), "summary": summary,
            "prompts": outputs.prompts_written, "prompts_bytes": prompts.read_bytes(), "notes": notes, "early": early}


def bench_agent(args: argparse.Namespace) -> dict[str, Any]:
    """`glasses-agent bench agent`: the whole agent over the gopro clip at --speed max.

    Real-time factor = processing time from opening the recording to the last prompt written,
    over stream time (also given for the whole run), per-stage latency p50/p99, peak memory;
    beside it the same figures for the serial torch-eager agent and each speed-up in turn, and
    whether all of them wrote the same prompts.
    """
    import os
    import resource
    import statistics
    import tempfile

    perception = getattr(args, "perception", None)
    load_before = os.getloadavg()[0]
    from tools.progress import Progress

    with tempfile.TemporaryDirectory(prefix="glasses-agent-bench-agent-") as tmp:
        recording, label = prepare_recording(args.file, Path(tmp))
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in BENCH_AGENT_VARIANTS}
        # The agent as it ships runs first, so the peak memory after its first run is its own.
        order = [BENCH_AGENT_VARIANTS[-1]] + list(BENCH_AGENT_VARIANTS[:-1])
        peak_shipped = None
        repeat = max(1, args.repeat)
        with Progress("bench agent", total=repeat * len(order)) as progress:
            for i in range(repeat):
                for name, options, read_ahead, when_read in order:
                    runs[name].append(_bench_agent_run(recording, Path(tmp), f"{name}-{i}", perception, options,
                                                       read_ahead, when_read))
                    if peak_shipped is None:
                        peak_shipped = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                    progress.update(advance=1, note=f"{name} run {i + 1}: {runs[name][-1]['wall_s']:.1f} s",
                                    important=True)
    load_after = os.getloadavg()[0]

    def figures(rs: list[dict[str, Any]]) -> dict[str, Any]:
        stream_s = rs[-1]["summary"].duration_s
        wall = statistics.median(r["wall_s"] for r in rs)
        to_last = [r["to_last_prompt_s"] for r in rs if r["to_last_prompt_s"] is not None]
        to_last_s = statistics.median(to_last) if to_last else None
        cpu = statistics.median(r["cpu_s"] for r in rs)
        return {
            "stream_s": stream_s, "wall_s": wall, "to_last_s": to_last_s, "cpu_s": cpu,
            # With no prompt at all the last one "written" is the end of the run.
            "real_time_factor": round((to_last_s or wall) / stream_s, 4) if stream_s else None,
            "real_time_factor_whole_run": round(wall / stream_s, 4) if stream_s else None,
            "cpu_real_time_factor": round(cpu / stream_s, 4) if stream_s else None,
            "outside_ticks_s": round(statistics.median(r["outside_ticks_s"] for r in rs), 3),
        }

    default_name = BENCH_AGENT_VARIANTS[-1][0]
    final = runs[default_name]
    main = figures(final)
    summary = final[-1]["summary"]
    reference = final[-1]["prompts_bytes"]
    identical = all(r["prompts_bytes"] == reference for rs in runs.values() for r in rs)
    baseline = figures(runs[BENCH_AGENT_VARIANTS[0][0]])
    every_frame = figures(runs[BENCH_AGENT_VARIANTS[-2][0]])  # the same agent decoding every frame it reads in
    return {
        "benchmark": "the whole agent at --speed max (open recording -> last prompt written)",
        "recording": label,
        "repeat": len(final),
        "models": final[-1]["notes"] or ["perception and world model loaded"],
        "stream_s": round(main["stream_s"], 3),
        "ticks": summary.ticks_processed,
        "prompts": final[-1]["prompts"],
        "real_time_factor": main["real_time_factor"],
        "real_time_factor_basis": "open -> last prompt written" if main["to_last_s"] else "open -> end of run (no prompts)",
        "real_time_factor_whole_run": main["real_time_factor_whole_run"],
        "cpu_real_time_factor": main["cpu_real_time_factor"],
        "wall_s_median": round(main["wall_s"], 3),
        "outside_ticks_s": main["outside_ticks_s"],
        "speedup_whole_run_vs_serial_torch": round(baseline["wall_s"] / main["wall_s"], 2),
        "speedup_whole_run_vs_decoding_every_frame": round(every_frame["wall_s"] / main["wall_s"], 2),
        "cpu_ratio_vs_decoding_every_frame": round(main["cpu_s"] / every_frame["cpu_s"], 2),
        "variants": {name: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in figures(rs).items()}
                     for name, rs in runs.items()},
        "prompts_identical_across_variants": identical,
        "stages": {**summary.stages, **final[-1]["early"]},
        "peak_rss_mb": round(peak_shipped, 1),
        "peak_rss_mb_all_variants": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)},
        # With the kernel's autogroups, `nice` does not rank a run against other sessions' jobs;
        # a session that wants the cores says so here ("nice -10": echo -10 > /proc/$$/autogroup).
        "autogroup": _autogroup(),
        "machine": machine_info(),
    }


def _autogroup() -> str | None:
    try:
        return Path("/proc/self/autogroup").read_text().strip()
    except OSError:
        return None
