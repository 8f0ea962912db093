"""What several of the CLI's command families share, in one place.

    argument types        positive_int, positive_float, replay_speed, sim_speed (a bad value: one line)
    errors and warnings   CliParser (a usage error is one line), run_handler (errors -> one line, exit code)
    the agent             add_agent_arguments, build_agent, device_agent, run_agent, demo_source
    recordings            open_replay, run_replay, format_summary, write_all, record_synthetic
    the MQTT broker       broker_address
    figures               write_results, print_figures

Heavy parts (torch, OpenCV, the agent, aiomqtt) are imported inside the functions that need them,
so building the parser, and `glasses-agent --help`, stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from glasses_agent.identifiers import id_argument
from streams.errors import SourceError
from streams.pipeline import Pipeline, RunSummary
from streams.sources.base import FrameSource

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# -- argument types ------------------------------------------------------------------------------


def positive_int(text: str) -> int:
    """A whole number of at least 1 ("3", not "3.0" or "-1")."""
    stripped = text.strip()
    if not stripped.isdigit() or int(stripped) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(stripped)


def _finite_above_zero(text: str, not_a_number: str, not_positive: str) -> float:
    """float(text) when it is finite and above 0; else the given message, with the text quoted."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{not_a_number}, got {text!r}") from None
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"{not_positive}, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0."""
    return _finite_above_zero(text, "expected a number", "expected a positive number")


def replay_speed(text: str) -> float | None:
    """`max` (virtual clock, lock-step: None) or a positive factor of real time."""
    if text == "max":
        return None
    return _finite_above_zero(text, "speed must be 'max' or a number", "speed must be positive")


def sim_speed(text: str) -> float:
    """The simulator's pace: a factor of real time in (0, 64]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"speed must be a number, got {text!r}") from None
    if not 0 < value <= 64:
        raise argparse.ArgumentTypeError(f"speed must be in (0, 64], got {text!r}")
    return value


def device_counts(text: str) -> list[int]:
    """A comma-separated list of device counts ("6,8,12"; "" for none)."""
    return [positive_int(k) for k in text.split(",") if k.strip()]


# -- errors and warnings -----------------------------------------------------------------------


class CliParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (plus where to look), not the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Exit with status 2 and one line naming the mistake."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def one_line_warnings() -> None:
    """Warnings (e.g. a recovered recording) as one readable line, not a source excerpt."""

    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ARG001
        print(f"glasses-agent: warning: {message}", file=sys.stderr)

    warnings.showwarning = show


def run_handler(args: argparse.Namespace) -> int:
    """Run the parsed command's handler; bad input becomes one line on stderr and exit 1, never a traceback."""
    from glasses_agent.errors import GlassesAgentError
    from streams.errors import StreamError

    one_line_warnings()
    try:
        return args.handler(args)
    except (StreamError, GlassesAgentError) as err:
        print(f"glasses-agent: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("glasses-agent: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (OSError, ValueError) as err:
        # Files that vanish, disks that fill, values a library refuses: still one line.
        print(f"glasses-agent: error: {err}", file=sys.stderr)
        return EXIT_ERROR


# -- the agent ---------------------------------------------------------------------------------

# `run --demo`: the generated scene with scripted events, and its length.
DEMO_SCENARIO = "demo"
DEMO_SECONDS = 16.0


def add_agent_arguments(p: argparse.ArgumentParser) -> None:
    """The agent's own options, shared by `run`, `replay`, `bridge` and `sim`."""
    p.add_argument("--mode", default="explore", help="navigate, explore, read, social or quiet (default explore)")
    p.add_argument("--modes", metavar="FILE.toml", help="your own modes file (default: the shipped modes.toml)")
    p.add_argument("--wearer", default="default", type=id_argument("wearer"),
                   help="whose memory to use (default 'default'; letters, digits, '_' or '-')")
    p.add_argument("--memory", metavar="PATH", help="memory database (default: $GLASSES_AGENT_HOME/memory.sqlite3)")
    p.add_argument("--perception", metavar="CKPT", help="perception checkpoint ('none': run without the model)")
    p.add_argument("--world", metavar="CKPT", help="world-model checkpoint ('none': run without it)")
    p.add_argument("--no-auto-mode", action="store_true", help="never switch explore -> navigate while walking")
    add_object_slots_argument(p)


def add_object_slots_argument(p: argparse.ArgumentParser) -> None:
    """`--object-slots` / `--no-object-slots`: the world model's object slots on or off (default: its own)."""
    p.add_argument("--object-slots", action=argparse.BooleanOptionalAction, default=None,
                   help="the world model's object slots (per-object vanish/jump/change surprise); default off")


def build_agent(args: argparse.Namespace, *, memory_default: str | None = None) -> Any:
    """The agent the options of `add_agent_arguments` describe (one wearer, one memory file)."""
    from glasses_agent.agent import Agent, AgentConfig

    return Agent(AgentConfig(
        device_id=getattr(args, "device_id", "default"),
        wearer=args.wearer,
        mode=args.mode,
        tick_hz=getattr(args, "tick_hz", 10.0),
        memory_path=args.memory or memory_default,
        perception_checkpoint=args.perception,
        world_checkpoint=args.world,
        object_slots=getattr(args, "object_slots", None),
        modes_file=args.modes,
        auto_mode=not args.no_auto_mode,
    ))


def run_agent(source: Any, agent: Any, *, speed: float | None, tick_hz: float = 10.0, prompts_out: str | None = None,
              trace_out: str | None = None, record_out: str | None = None, on_prompt: Any = None,
              live: list | None = None, duration_s: float | None = None, read_ahead: bool = True) -> tuple[Any, Any]:
    """Run the agent over a source (lock-step when `speed` is None) and write its outputs."""
    from glasses_agent.agent.writers import AgentOutputStage
    from streams.clock import RealClock, VirtualClock

    with contextlib.ExitStack() as stack:
        recorder = None
        on_frame = None
        if record_out:
            from streams.recording import McapRecorder

            from tools.scene_recording import recording_start

            recorder = stack.enter_context(McapRecorder(record_out, **recording_start(source, live)))
            on_frame = recorder.write
        outputs = AgentOutputStage(prompts_out=prompts_out, trace_out=trace_out, recorder=recorder, on_prompt=on_prompt,
                                   upstream=agent.stages())
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


def demo_source(seed: int, duration_s: float = DEMO_SECONDS) -> FrameSource:
    """The demo scene: a generated walk with scripted events (what `run --demo` and `sim --demo` play)."""
    from glasses_agent.scoring.scenes import scenario_source

    return scenario_source(DEMO_SCENARIO, seed=seed, duration_s=duration_s)


def agent_home(args: argparse.Namespace) -> Path:
    """The folder of the agent's files for devices served over MQTT: beside --memory, else the default home."""
    from glasses_agent.memory.database import default_memory_path

    return Path(args.memory).expanduser().parent if getattr(args, "memory", None) else default_memory_path().parent


def device_agent(args: argparse.Namespace, device_id: str, home: Path | None = None) -> Any:
    """One agent a device, each with its own memory (devices/ID.sqlite3), as the bridge keeps them."""
    from glasses_agent.agent import Agent, AgentConfig

    home = agent_home(args) if home is None else home
    return Agent(AgentConfig(
        device_id=device_id, wearer=device_id, mode=args.mode, tick_hz=getattr(args, "tick_hz", 10.0),
        memory_path=str(home / "devices" / f"{device_id}.sqlite3"), perception_checkpoint=args.perception,
        world_checkpoint=args.world, object_slots=getattr(args, "object_slots", None), modes_file=args.modes,
        auto_mode=not args.no_auto_mode,
    ))


# -- recordings ---------------------------------------------------------------------------------


def open_replay(path: str | Path, *, include_truth: bool = False) -> FrameSource:
    """An MCAP recording (with its ground truth if asked: a recording made from it keeps it), or a
    media file decoded on the fly."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    if path.is_dir():
        raise SourceError(f"{path}: is a folder, expected a recording")
    if path.suffix.lower() == ".mcap":
        from streams.recording import McapReplaySource

        return McapReplaySource(path, include_truth=include_truth)
    from streams.sources.media_file import MEDIA_SUFFIXES, MediaFileSource

    if path.suffix.lower() in MEDIA_SUFFIXES:
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
    """A run's summary as the few aligned lines `replay`, `run` and `tour` print."""
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


def write_all(source: Any, out: Path) -> int:
    """Write every frame of `source` into a new MCAP recording that starts on the source's own
    date (a media file's capture date; tools.scene_recording.recording_start); returns how many
    frames were written."""
    from streams.recording import McapRecorder

    from tools.scene_recording import recording_start

    count = 0
    with McapRecorder(out, **recording_start(source)) as recorder:
        for frame in source.frames():
            recorder.write(frame)
            count += 1
    return count


def record_synthetic(out: Path, *, scenario: str, seed: int, duration_s: float | None) -> int:
    """Generate a scene (tools.scene_recording.SCENES) and record it into `out`, on the scenes'
    fixed start date; returns the number of messages written."""
    from tools.scene_recording import record_scene

    return record_scene(out, scene=scenario, seed=seed, duration_s=duration_s)


# -- the MQTT broker ---------------------------------------------------------------------------


def broker_address(args: argparse.Namespace) -> Any:
    """The URL (with an optional ?ca=) plus --ca / $GLASSES_AGENT_MQTT_CA, checked."""
    from firmware_bridge.connection import parse_url

    parts = urlsplit(args.mqtt if "://" in args.mqtt else "mqtts://" + args.mqtt)
    query = parse_qs(parts.query)
    ca = getattr(args, "ca", None) or (query.get("ca") or [None])[0] or os.environ.get("GLASSES_AGENT_MQTT_CA")
    bare = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    return parse_url(bare, ca_file=ca, allow_plaintext=getattr(args, "allow_plaintext", False))


# -- figures -----------------------------------------------------------------------------------


def write_results(path: str | Path, result: dict[str, Any]) -> Path:
    """Write a command's figures as JSON (sorted keys, so runs diff cleanly), and beside it a PNG
    when they make a picture (tools.figures: scores per kind, stage latencies, probe accuracy);
    returns the JSON's path."""
    from tools.figures import results_figure

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    results_figure(result, out.with_suffix(".png"))
    return out


def print_figures(result: dict[str, Any], prefix: str = "") -> None:
    """Every scalar figure, one a line, nested dicts flattened with dots."""
    for key, value in result.items():
        if isinstance(value, dict):
            print_figures(value, f"{prefix}{key}.")
        elif not isinstance(value, list):
            print(f"{prefix + key:<32} {value}")
