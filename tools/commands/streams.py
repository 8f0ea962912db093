"""The substrate's commands: tour, record, replay, info, devices."""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from streams.errors import SourceError, StreamError
from streams.frames import Frame
from streams.pipeline import Pipeline, RunSummary
from streams.sources.base import FrameSource

MEDIA_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".gif", ".wav", ".ogg", ".oga", ".flac", ".mp3"}


def open_replay(path: str | Path) -> FrameSource:
    """An MCAP recording, or a media file decoded on the fly."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    if path.is_dir():
        raise SourceError(f"{path}: is a folder, expected a recording")
    if path.suffix.lower() == ".mcap":
        from streams.recording import McapReplaySource

        return McapReplaySource(path)
    if path.suffix.lower() in MEDIA_SUFFIXES:
        from streams.sources.media_file import MediaFileSource

        return MediaFileSource(path)
    raise SourceError(f"{path}: unsupported file type {path.suffix or '(none)'!r}; expected .mcap or a media file")


def run_replay(
    source: FrameSource, *, speed: float | None, trace_out: str | None = None, tick_hz: float = 10.0
) -> RunSummary:
    """Replay lock-step on the virtual clock (`speed` None) or paced on the real clock."""
    from streams.clock import RealClock, VirtualClock
    from streams.trace import TickTraceStage

    stages = [TickTraceStage(trace_out)] if trace_out else []
    if speed is None:
        pipeline = Pipeline(stages, clock=VirtualClock(), tick_hz=tick_hz)
        return asyncio.run(pipeline.run_lockstep(source))
    pipeline = Pipeline(stages, clock=RealClock(speed=speed), tick_hz=tick_hz)
    return asyncio.run(pipeline.run_paced(replay=source))


def format_summary(summary: RunSummary) -> str:
    s = summary.as_dict()
    lines = [f"duration   {s['duration_s']:.2f} s of stream in {s['wall_s']:.2f} s (real-time factor {s['real_time_factor']:.3f})"]
    lines.append("streams    " + ", ".join(f"{name} {count}" for name, count in s["frames"].items()))
    lines.append(f"ticks      {s['ticks_processed']} processed, {s['ticks_dropped']} dropped")
    drops = {n: c for n, c in s["channels"].items() if c.get("dropped") or c.get("overflow")}
    if drops:
        lines.append("drops      " + ", ".join(f"{n} {c['dropped']} dropped/{c['overflow']} overflow" for n, c in drops.items()))
    else:
        lines.append("drops      none")
    sync = s["sync"]
    if sync.get("seq_gaps"):
        lines.append("gaps       " + ", ".join(f"{src} {n} missing by seq" for src, n in sync["seq_gaps"].items()))
    if sync.get("late_frames"):
        lines.append(f"late       {sync['late_frames']} frames arrived after their tick")
    for err in s["stream_errors"]:
        lines.append(f"error      {err}")
    return "\n".join(lines)


def cmd_replay(args: argparse.Namespace) -> int:
    source = open_replay(args.file)
    if getattr(args, "prompts_out", None) or getattr(args, "agent", False):
        from tools.run_commands import replay_with_agent

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
    lines = [f"file       {info.get('path', '')}"]
    lines.append(f"duration   {info.get('duration_s', 0.0):.3f} s")
    if info.get("start_ns") is not None:
        lines.append(f"time       {info['start_ns']} .. {info['end_ns']} ns")
    if info.get("recovered"):
        lines.append(f"recovered  {info.get('recovered_note', 'yes (the file was not closed cleanly)')}")
    lines.append("channels")
    for ch in info.get("channels", []):
        lines.append(f"  {ch['topic']:<12} {ch['schema']:<26} {ch['encoding']:<9} {ch['messages']:>7} messages")
    return "\n".join(lines)


def cmd_info(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    from streams.recording import recording_info

    info = recording_info(path)
    print(json.dumps(info, indent=2, sort_keys=True, default=str) if args.json else format_info(info))
    return 0


def _write_all(frames, out: Path) -> int:
    from streams.recording import McapRecorder

    count = 0
    with McapRecorder(out) as recorder:
        for frame in frames:
            recorder.write(frame)
            count += 1
    return count


def record_synthetic(out: Path, *, scenario: str, seed: int, duration_s: float) -> int:
    from streams.sources.synthetic import SyntheticSource

    source = SyntheticSource(seed=seed, duration_s=duration_s, scenario=scenario)
    return _write_all(source.frames(), out)


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

        count = _write_all(MediaFileSource(args.video, audio_path=args.audio, imu_csv=args.imu).frames(), out)
        print(f"recorded {count} messages from {args.video}")
    else:
        count = record_synthetic(out, scenario=args.synthetic, seed=args.seed, duration_s=args.duration or 10.0)
        print(f"recorded {count} messages of a generated '{args.synthetic}' scene (seed {args.seed})")
    print(f"wrote {out}")
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
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


__all__ = ["open_replay", "run_replay", "StreamError"]
