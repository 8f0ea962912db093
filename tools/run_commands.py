"""`glasses-agent run`: the headless agent on a replay, live devices, or a generated demo scene.

    glasses-agent run --demo                               # a generated scene; prints prompts; ends by itself
    glasses-agent run --replay walk.mcap --prompts-out p.jsonl --trace-out t.jsonl
    glasses-agent run --camera 0 --mic default --mode navigate
    glasses-agent run --replay walk.mcap --mqtt mqtt://127.0.0.1:1883   # prompts to a device (the bridge)

Torch and the agent are imported inside the handlers, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from glasses_agent.identifiers import id_argument
from tools.arg_types import positive_float, replay_speed

DEMO_SCENARIO = "demo"
DEMO_SECONDS = 16.0


def add_agent_arguments(p: argparse.ArgumentParser) -> None:
    """The agent's own options, shared by `run` and `replay`."""
    p.add_argument("--mode", default="explore", help="navigate, explore, read, social or quiet (default explore)")
    p.add_argument("--modes", metavar="FILE.toml", help="your own modes file (default: the shipped modes.toml)")
    p.add_argument("--wearer", default="default", type=id_argument("wearer"),
                   help="whose memory to use (default 'default'; letters, digits, '_' or '-')")
    p.add_argument("--memory", metavar="PATH", help="memory database (default: $GLASSES_AGENT_HOME/memory.sqlite3)")
    p.add_argument("--perception", metavar="CKPT", help="perception checkpoint ('none': run without the model)")
    p.add_argument("--world", metavar="CKPT", help="world-model checkpoint ('none': run without it)")
    p.add_argument("--no-auto-mode", action="store_true", help="never switch explore -> navigate while walking")


def register(subparsers: Any) -> None:
    run = subparsers.add_parser("run", help="run the agent headless: replay, live devices or a generated demo")
    src = run.add_mutually_exclusive_group()  # one is required, except with --mqtt (devices bring their streams)
    src.add_argument("--replay", metavar="FILE", help="an MCAP recording or a media file")
    src.add_argument("--camera", metavar="SRC", help="live camera: device index, file or URL (MJPEG over HTTP)")
    src.add_argument("--demo", action="store_true", help="a generated scene with scripted events; ends by itself")
    run.add_argument("--mic", metavar="DEV", help="live microphone (with --camera)")
    run.add_argument("--mqtt", metavar="URL", help="send prompts to a device over MQTT (through the bridge)")
    run.add_argument("--device-id", default="default", help="the device's id (default 'default')")
    run.add_argument("--speed", type=replay_speed, default=None, metavar="max|X",
                     help="replay/demo speed: 'max' (default, virtual clock, deterministic) or X times real time")
    run.add_argument("--duration", type=positive_float, metavar="S", help="stop after S seconds (live runs)")
    run.add_argument("--tick-hz", type=positive_float, default=10.0, help="ticks per second (default 10)")
    run.add_argument("--prompts-out", metavar="F.jsonl", help="write each prompt as a JSON line")
    run.add_argument("--trace-out", metavar="T.jsonl", help="write one trace record per tick")
    run.add_argument("--record-out", metavar="F.mcap", help="write the streams plus prompts and traces into MCAP")
    run.add_argument("--seed", type=int, default=3, help="scene seed for --demo (default 3)")
    add_agent_arguments(run)
    run.set_defaults(handler=cmd_run)

    # `replay FILE --prompts-out F.jsonl` runs the agent too: its options join the replay parser.
    replay = subparsers.choices.get("replay")
    if replay is not None:
        replay.add_argument("--prompts-out", metavar="F.jsonl", help="run the agent and write its prompts here")
        replay.add_argument("--agent", action="store_true",
                            help="run the agent (implied by --prompts-out); --trace-out then writes agent traces")
        replay.add_argument("--record-out", metavar="F.mcap", help="with the agent: streams + prompts + traces into MCAP")
        add_agent_arguments(replay)


def build_agent(args: argparse.Namespace, *, memory_default: str | None = None):  # noqa: ANN201
    from glasses_agent.agent import Agent, AgentConfig

    return Agent(AgentConfig(
        device_id=getattr(args, "device_id", "default"),
        wearer=args.wearer,
        mode=args.mode,
        tick_hz=getattr(args, "tick_hz", 10.0),
        memory_path=args.memory or memory_default,
        perception_checkpoint=args.perception,
        world_checkpoint=args.world,
        modes_file=args.modes,
        auto_mode=not args.no_auto_mode,
    ))


def print_prompt(prompt: Any) -> None:
    print(f"{prompt.t_ns / 1e9:8.2f}s  {prompt.kind:<12} {prompt.text}", flush=True)


def run_agent(source: Any, agent: Any, *, speed: float | None, tick_hz: float = 10.0, prompts_out: str | None = None,
              trace_out: str | None = None, record_out: str | None = None, on_prompt: Any = None,
              live: list | None = None, duration_s: float | None = None, read_ahead: bool = True) -> tuple[Any, Any]:
    """Run the agent over a source (lock-step when `speed` is None) and write its outputs."""
    import asyncio
    import contextlib

    from glasses_agent.agent.writers import AgentOutputStage
    from streams.clock import RealClock, VirtualClock
    from streams.pipeline import Pipeline

    with contextlib.ExitStack() as stack:
        recorder = None
        on_frame = None
        if record_out:
            from streams.recording import McapRecorder

            recorder = stack.enter_context(McapRecorder(record_out))
            on_frame = recorder.write
        outputs = AgentOutputStage(prompts_out=prompts_out, trace_out=trace_out, recorder=recorder, on_prompt=on_prompt)
        stages = agent.stages() + [outputs]
        if speed is None and not live:
            from glasses_agent.agent.readahead import ReadAhead

            pipeline = Pipeline(stages, clock=VirtualClock(), tick_hz=tick_hz, on_frame=on_frame)
            # Decoding the next frames overlaps this tick's work; frames keep their order.
            source = ReadAhead(source, tick_hz=tick_hz) if read_ahead else source
            summary = asyncio.run(pipeline.run_lockstep(source))
        else:
            pipeline = Pipeline(stages, clock=RealClock(speed=speed or 1.0), tick_hz=tick_hz, on_frame=on_frame)
            summary = asyncio.run(pipeline.run_paced(replay=source, live=live or (), duration_s=duration_s))
    return summary, outputs


def demo_source(seed: int, duration_s: float = DEMO_SECONDS):  # noqa: ANN201
    from glasses_agent.scoring.scenes import scenario_source

    return scenario_source(DEMO_SCENARIO, seed=seed, duration_s=duration_s)


def cmd_run(args: argparse.Namespace) -> int:
    if args.mqtt:
        try:
            from tools.bridge_commands import serve
        except ImportError:
            from glasses_agent.errors import GlassesAgentError

            raise GlassesAgentError("--mqtt needs the MQTT bridge (tools.bridge_commands), which is not installed") from None
        return serve(args)
    from tools.stream_commands import format_summary, open_replay

    if not (args.demo or args.replay or args.camera):
        from glasses_agent.errors import GlassesAgentError

        raise GlassesAgentError("say what to run on: --demo, --replay FILE, --camera SRC [--mic DEV], or --mqtt URL")
    if args.mic and not args.camera:
        from glasses_agent.errors import GlassesAgentError

        raise GlassesAgentError("--mic goes with --camera")
    live = None
    source = None
    if args.demo:
        print(f"glasses-agent demo: a generated {DEMO_SECONDS:g} s walk (seed {args.seed}) with scripted events;"
              " prompts as they come:", flush=True)
        source = demo_source(args.seed)
    elif args.replay:
        source = open_replay(args.replay)
    else:
        from streams.sources.camera import CameraSource

        live = [CameraSource(args.camera)]
        if args.mic is not None:
            from streams.sources.microphone import MicrophoneSource

            live.append(MicrophoneSource(args.mic))
    memory_default = None
    tmp = None
    if args.demo and not args.memory:
        import tempfile

        tmp = tempfile.TemporaryDirectory(prefix="glasses-agent-demo-")
        memory_default = str(Path(tmp.name) / "memory.sqlite3")  # a demo never touches the wearer's memory
    agent = build_agent(args, memory_default=memory_default)
    try:
        for note in agent.notes:
            print(f"note: {note}", file=sys.stderr)
        summary, outputs = run_agent(
            source, agent, speed=args.speed if not live else (args.speed or 1.0), tick_hz=args.tick_hz,
            prompts_out=args.prompts_out, trace_out=args.trace_out, record_out=args.record_out,
            on_prompt=print_prompt, live=live, duration_s=args.duration,
        )
    finally:
        agent.close()
        if tmp is not None:
            tmp.cleanup()
    print(f"{outputs.prompts_written} prompts; mode at the end: {agent.mode}")
    print(format_summary(summary))
    for path, what in ((args.prompts_out, "prompts"), (args.trace_out, "trace"), (args.record_out, "recording")):
        if path:
            print(f"{what:<10} {path}")
    return 0


def replay_with_agent(source: Any, args: argparse.Namespace) -> int:
    """`glasses-agent replay FILE --prompts-out F.jsonl [--trace-out T.jsonl]`: the agent over a recording."""
    import json

    from tools.stream_commands import format_summary

    agent = build_agent(args)
    try:
        for note in agent.notes:
            print(f"note: {note}", file=sys.stderr)
        summary, outputs = run_agent(source, agent, speed=args.speed, tick_hz=args.tick_hz,
                                     prompts_out=args.prompts_out, trace_out=args.trace_out,
                                     record_out=args.record_out)
    finally:
        agent.close()
    if args.json:
        print(json.dumps({**summary.as_dict(), "prompts": outputs.prompts_written}, indent=2, sort_keys=True))
        return 0
    print(format_summary(summary))
    print(f"prompts    {outputs.prompts_written}" + (f" -> {args.prompts_out}" if args.prompts_out else ""))
    if args.trace_out:
        print(f"trace      {args.trace_out}")
    if args.record_out:
        print(f"recording  {args.record_out}")
    return 0


# `bench agent` runs each of these side by side (interleaved, so the machine's load falls on all
# alike): the serial torch-eager agent first, then each speed-up added in turn; the last is the
# agent as it ships, whose figures the benchmark reports at the top level. Each is (name, agent
# options, read ahead, decode JPEGs only when their pixels are read).
BENCH_AGENT_VARIANTS = (
    ("1_serial_torch", {"perception_backend": "torch", "overlap": False}, False, False),
    ("2_onnx_encoder", {"perception_backend": "auto", "overlap": False}, False, False),  # + the encoder as ONNX
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

    from tools.bench import _machine, _prepare_recording

    perception = getattr(args, "perception", None)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="glasses-agent-bench-agent-") as tmp:
        recording, label = _prepare_recording(args.file, Path(tmp))
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in BENCH_AGENT_VARIANTS}
        # The agent as it ships runs first, so the peak memory after its first run is its own.
        order = [BENCH_AGENT_VARIANTS[-1]] + list(BENCH_AGENT_VARIANTS[:-1])
        peak_shipped = None
        for i in range(max(1, args.repeat)):
            for name, options, read_ahead, when_read in order:
                runs[name].append(_bench_agent_run(recording, Path(tmp), f"{name}-{i}", perception, options,
                                                   read_ahead, when_read))
                if peak_shipped is None:
                    peak_shipped = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
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
        "machine": _machine(),
    }


def _autogroup() -> str | None:
    try:
        return Path("/proc/self/autogroup").read_text().strip()
    except OSError:
        return None
