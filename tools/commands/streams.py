"""The substrate's commands: tour, record, replay, info, devices (and `replay --agent`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from streams.errors import SourceError
from streams.frames import Frame
from streams.pipeline import Pipeline, RunSummary
from tools.commands.common import (
    add_agent_arguments,
    build_agent,
    format_summary,
    open_replay,
    positive_float,
    record_synthetic,
    replay_speed,
    run_agent,
    run_replay,
    write_all,
)


def register(subparsers: Any) -> None:
    """Add tour, record, replay, info and devices to the CLI."""
    tour = subparsers.add_parser("tour", help="generate a short scene, record it, inspect it and replay it")
    tour.add_argument("--seed", type=int, default=0, help="scene seed (default 0)")
    tour.add_argument("--duration", type=positive_float, default=5.0, metavar="S", help="scene length in seconds")
    tour.add_argument("--keep", metavar="FILE.mcap", help="keep the generated recording at this path")
    tour.set_defaults(handler=cmd_tour)

    rec = subparsers.add_parser("record", help="record live devices, import media, or generate a scene, into MCAP")
    what = rec.add_mutually_exclusive_group(required=True)
    what.add_argument("--camera", metavar="SRC", help="live camera: device index, file or URL (MJPEG over HTTP)")
    what.add_argument("--video", metavar="FILE", help="import a media file (video and its audio track)")
    from tools.scene_recording import SCENES, scene_help

    what.add_argument("--synthetic", metavar="SCENE", choices=list(SCENES), help=scene_help())
    rec.add_argument("--mic", metavar="DEV", help="live microphone: device name or index (with --camera)")
    rec.add_argument("--audio", metavar="FILE", help="audio file to use instead of the video's own track")
    rec.add_argument("--imu", metavar="CSV", help="IMU CSV (t_s,accel_x_mps2,...,gyro_z_rads) to import")
    rec.add_argument("--seed", type=int, default=0, help="seed for --synthetic")
    rec.add_argument("--duration", type=positive_float, metavar="S",
                     help="seconds to record (live; synthetic: default the scene's own length, 10 s for most)")
    rec.add_argument("--out", required=True, metavar="FILE.mcap", help="the recording to write")
    rec.set_defaults(handler=cmd_record)

    rep = subparsers.add_parser("replay", help="replay a recording through the pipeline and summarise it")
    rep.add_argument("file", metavar="FILE", help="an MCAP recording (or a media file)")
    rep.add_argument("--speed", type=replay_speed, default=None, metavar="max|X", help="'max' (default, virtual clock) or X times real time")
    rep.add_argument("--trace-out", metavar="T.jsonl", help="write one JSON record per tick")
    rep.add_argument("--tick-hz", type=positive_float, default=10.0, help="ticks per second (default 10)")
    rep.add_argument("--json", action="store_true", help="print the summary as JSON")
    # `replay FILE --prompts-out F.jsonl` runs the agent too: the agent's options join the replay parser.
    rep.add_argument("--prompts-out", metavar="F.jsonl", help="run the agent and write its prompts here")
    rep.add_argument("--agent", action="store_true",
                     help="run the agent (implied by --prompts-out); --trace-out then writes agent traces")
    rep.add_argument("--record-out", metavar="F.mcap",
                     help="run the agent and record the streams (with /truth) plus its prompts, traces and view into MCAP")
    add_agent_arguments(rep)
    rep.set_defaults(handler=cmd_replay)

    info = subparsers.add_parser("info", help="list a recording's channels, message counts and time range")
    info.add_argument("file", metavar="FILE.mcap")
    info.add_argument("--json", action="store_true", help="print as JSON")
    info.set_defaults(handler=cmd_info)

    dev = subparsers.add_parser("devices", help="list audio input devices (for --mic)")
    dev.add_argument("--json", action="store_true", help="print as JSON")
    dev.set_defaults(handler=cmd_devices)


def cmd_replay(args: argparse.Namespace) -> int:
    """`glasses-agent replay FILE`: the pipeline (or, with --agent / --prompts-out, the agent) over a recording."""
    record_out = getattr(args, "record_out", None)
    source = open_replay(args.file, include_truth=bool(record_out))
    if getattr(args, "prompts_out", None) or getattr(args, "agent", False) or record_out:  # --record-out records the agent
        return replay_with_agent(source, args)
    summary = run_replay(source, speed=args.speed, trace_out=args.trace_out, tick_hz=args.tick_hz)
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2, sort_keys=True))
    else:
        print(format_summary(summary))
        if args.trace_out:
            print(f"trace      {args.trace_out}")
    return 0


def format_info(info: dict[str, Any]) -> str:
    """A recording's channels, counts and time range as aligned lines."""
    lines = [f"file       {info.get('path', '')}"]
    lines.append(f"duration   {info.get('duration_s', 0.0):.3f} s")
    if info.get("start_ns") is not None:
        lines.append(f"time       {info['start_ns']} .. {info['end_ns']} ns")
    if info.get("wall_clock_start"):
        came_from = info.get("wall_clock_start_from")  # older recordings do not say
        lines.append(f"recorded   {info['wall_clock_start']} (wall clock at the first message"
                     + (f", from {came_from})" if came_from else ")"))
    if info.get("crc"):
        lines.append(f"crc        {info['crc']}")
    if info.get("summary_note"):
        lines.append(f"summary    {info['summary_note']}; the messages were read front to back")
    if info.get("recovered"):
        lines.append(f"recovered  {info.get('recovered_note', 'yes (the file was not closed cleanly)')}")
    lines.append("channels")
    for ch in info.get("channels", []):
        lines.append(f"  {ch['topic']:<12} {ch['schema']:<26} {ch['encoding']:<9} {ch['messages']:>7} messages")
    return "\n".join(lines)


def cmd_info(args: argparse.Namespace) -> int:
    """`glasses-agent info FILE`: what a recording holds."""
    path = Path(args.file)
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    from streams.recording import recording_info

    info = recording_info(path)
    print(json.dumps(info, indent=2, sort_keys=True, default=str) if args.json else format_info(info))
    # What could be read is shown either way; a damaged file, or one with nothing readable, fails.
    if info.get("damaged") or (info.get("recovered") and not info.get("messages")):
        problem = info.get("recovered_note") or info.get("summary_note") or "damaged"
        print(f"glasses-agent: error: {path}: {problem}", file=sys.stderr)
        return 1
    return 0


def record_live(args: argparse.Namespace, out: Path) -> RunSummary:
    """Record live devices on the real clock until --duration (or Ctrl-C)."""
    from streams.clock import RealClock
    from streams.recording import McapRecorder
    from streams.sources.camera import CameraSource
    from streams.sources.microphone import MicrophoneSource

    sources = [CameraSource(args.camera)]
    if args.mic is not None:
        sources.append(MicrophoneSource(args.mic))
    with McapRecorder(out) as recorder:

        def keep(frame: Frame) -> None:
            recorder.write(frame)

        pipeline = Pipeline([], clock=RealClock(), on_frame=keep)
        try:
            return asyncio.run(pipeline.run_paced(live=sources, duration_s=args.duration))
        except KeyboardInterrupt:
            # What was recorded so far is kept: the recorder closes the file on the way out.
            return pipeline.summary


def cmd_record(args: argparse.Namespace) -> int:
    """`glasses-agent record`: live devices, a media file or a generated scene into MCAP."""
    out = Path(args.out)
    if out.suffix.lower() != ".mcap":
        raise SourceError(f"{out}: the output must be an .mcap file")
    if args.camera is not None:
        if args.duration is None:
            raise SourceError("live recording needs --duration S (or stop it with Ctrl-C)")
        summary = record_live(args, out)
        print(format_summary(summary))
    elif args.video is not None:
        if args.mic:
            raise SourceError("--mic goes with --camera; to import audio use --audio FILE")
        from streams.sources.media_file import MediaFileSource

        from streams.recording.writer import iso_utc

        source = MediaFileSource(args.video, audio_path=args.audio, imu_csv=args.imu)
        count = write_all(source, out)
        print(f"recorded {count} messages from {args.video}, captured {iso_utc(source.wall_clock_start_ns)} "
              f"(from {source.wall_clock_start_from})")
    else:
        count = record_synthetic(out, scenario=args.synthetic, seed=args.seed, duration_s=args.duration)
        print(f"recorded {count} messages of a generated '{args.synthetic}' scene (seed {args.seed})")
    print(f"wrote {out}")
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    """`glasses-agent devices`: the audio input devices."""
    from streams.sources.microphone import list_input_devices

    devices = list_input_devices()
    if args.json:
        print(json.dumps(devices, indent=2))
    elif not devices:
        print("no audio input devices found")
    else:
        for d in devices:
            print(f"{d['index']:>3}  {d['name']}  ({d.get('default_sample_rate', '?')} Hz, {d.get('channels', '?')} ch)")
    return 0


def cmd_tour(args: argparse.Namespace) -> int:
    """The README's first command until the agent's demo exists: no input needed, ends by itself."""
    from streams.recording import recording_info

    with tempfile.TemporaryDirectory(prefix="glasses-agent-tour-") as tmp:
        out = Path(args.keep) if args.keep else Path(tmp) / "tour.mcap"
        print(f"1. generating a {args.duration:g} s scene (seed {args.seed}): moving, occluding and approaching objects, sounds, head motion")
        count = record_synthetic(out, scenario="mixed", seed=args.seed, duration_s=args.duration)
        print(f"   recorded {count} messages to {out}\n")
        print("2. what is in it (glasses-agent info):")
        print("   " + format_info(recording_info(out)).replace("\n", "\n   ") + "\n")
        print("3. replaying it through the pipeline at --speed max (virtual clock, lock-step):")
        trace = Path(tmp) / "trace.jsonl"
        summary = run_replay(open_replay(out), speed=None, trace_out=str(trace))
        print("   " + format_summary(summary).replace("\n", "\n   "))
        first = trace.read_text().splitlines()[:1]
        if first:
            print(f"   first trace record: {first[0]}")
    print("\nnext: glasses-agent record --video FILE --out F.mcap; glasses-agent replay F.mcap --speed 1")
    return 0


def replay_with_agent(source: Any, args: argparse.Namespace) -> int:
    """`glasses-agent replay FILE --prompts-out F.jsonl [--trace-out T.jsonl]`: the agent over a recording."""
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
