"""`glasses-agent memory ...`: what the agent remembers about a wearer, and erasing it.

    memory list              names remembered (enrolled, or seen), with counts and last seen
    memory where NAME        the last sighting: when, where in view (clock position), what else was there
    memory forget NAME       erase a name: its enrollment, sightings and thumbnails
    memory export [--out F]  everything kept about the wearer, as JSON
    memory wipe --yes        erase everything kept about the wearer
    memory enroll NAME --from FILE --at S [--box X,Y,W,H]     teach a thing seen (a face is refused)
    memory enroll NAME --from FILE --start S --end S --sound  teach a sound (an alarm, a doorbell)
    memory scan --from FILE  run a recording through the world model: sightings of enrolled things

Every command takes `--wearer ID` (default "default") and `--db PATH` (default: see
`default_memory_path()`), before or after the subcommand. Errors are `MemoryStoreError`s with a
one-line message; the CLI prints them as one line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from glasses_agent.identifiers import id_argument
from glasses_agent.memory import MemoryStore, MemoryStoreError, NoDatabaseError, Sighting, UnknownNameError, clock_phrase

DEFAULT_WEARER = "default"


class ConfirmationRequiredError(MemoryStoreError):
    """A destructive command was given without --yes."""


def _common(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument("--wearer", metavar="ID", default=default, type=id_argument("wearer"), help=f"whose memory (default {DEFAULT_WEARER!r})")
    parser.add_argument("--db", metavar="PATH", default=default, help="the memory database (default: $GLASSES_AGENT_HOME/memory.sqlite3 or ~/.local/share/glasses-agent/)")


def add_memory_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `memory {list,where,forget,export,wipe}` to the CLI's subparsers; returns the `memory` parser."""
    memory = subparsers.add_parser("memory", help="what the agent remembers about a wearer; forget, export, wipe")
    _common(memory, None)
    sub = memory.add_subparsers(dest="memory_command", metavar="ACTION", required=True)
    # SUPPRESS at this level: a --wearer given before the action is not overwritten by a default.
    listing = sub.add_parser("list", help="names remembered, with sighting counts and when last seen")
    where = sub.add_parser("where", help="where and when NAME was last seen, and what else was there")
    where.add_argument("name", metavar="NAME")
    forget = sub.add_parser("forget", help="erase NAME: its enrollment, sightings and thumbnails")
    forget.add_argument("name", metavar="NAME")
    export = sub.add_parser("export", help="everything kept about the wearer, as JSON")
    export.add_argument("--out", metavar="FILE.json", help="write to this file (private to you) instead of stdout")
    wipe = sub.add_parser("wipe", help="erase everything kept about the wearer (needs --yes)")
    wipe.add_argument("--yes", action="store_true", help="yes, erase it all")
    enroll = sub.add_parser("enroll", help="teach NAME: a thing in view at --at S (inside --box), or a sound from --start to --end")
    enroll.add_argument("name", metavar="NAME")
    enroll.add_argument("--from", dest="source", required=True, metavar="FILE", help="a recording (.mcap) or media file")
    enroll.add_argument("--at", type=float, metavar="S", help="the moment (seconds into FILE) the thing is in view")
    enroll.add_argument("--box", metavar="X,Y,W,H", help="where it is, as fractions of the view (default: the tracked "
                        "thing nearest the middle)")
    enroll.add_argument("--start", type=float, metavar="S", help="with --sound: where the sound starts (s)")
    enroll.add_argument("--end", type=float, metavar="S", help="with --sound: where the sound ends (s)")
    enroll.add_argument("--sound", action="store_true", help="enroll a sound, not a thing seen")
    scan = sub.add_parser("scan", help="run a recording through the world model; remember where enrolled things were seen")
    scan.add_argument("--from", dest="source", required=True, metavar="FILE")
    for parser in (enroll, scan):
        parser.add_argument("--world", metavar="CKPT", help="world-model checkpoint (default: the shipped one)")
        parser.add_argument("--perception", metavar="CKPT", help="perception checkpoint (default: the shipped one)")
    for parser in (listing, where, forget, export, wipe, enroll, scan):
        _common(parser, argparse.SUPPRESS)
    for parser in (listing, where):
        parser.add_argument("--json", action="store_true", help="print as JSON")
    return memory


def _when(wall: float | None, now: float) -> str:
    if wall is None:
        return "never"
    stamp = datetime.fromtimestamp(wall).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    ago = max(0.0, now - wall)
    if ago < 60:
        rel = f"{ago:.0f} s ago"
    elif ago < 3600:
        rel = f"{ago / 60:.0f} min ago"
    elif ago < 86400:
        rel = f"{ago / 3600:.1f} h ago"
    else:
        rel = f"{ago / 86400:.1f} days ago"
    return f"{stamp} ({rel})"


def _vertical(y: float) -> str:
    return "high in view" if y < 1 / 3 else "low in view" if y > 2 / 3 else "middle of the view"


def describe_sighting(sighting: Sighting, now: float | None = None) -> list[str]:
    """The lines `memory where` prints."""
    now = time.time() if now is None else now
    x, y = sighting.position
    source = f" of {sighting.source}" if sighting.source else ""
    lines = [
        f"{sighting.label}: last seen {_when(sighting.wall_time, now)}",
        f"  stream time {sighting.t_ns / 1e9:.3f} s{source}",
        f"  where: {clock_phrase(x)}, {_vertical(y)}",
    ]
    context = dict(sighting.context)
    nearby = context.pop("nearby", None)
    if nearby:
        names = nearby if isinstance(nearby, list) else [nearby]
        lines.append("  with: " + ", ".join(str(n) for n in names))
    for key, value in sorted(context.items()):
        lines.append(f"  {key}: {value if isinstance(value, str) else json.dumps(value)}")
    if not nearby and not context:
        lines.append("  with: nothing else noted")
    return lines


def _open(args: argparse.Namespace, create: bool = False) -> MemoryStore:
    db = getattr(args, "db", None)
    if db and not Path(db).expanduser().parent.is_dir():
        # A database in a folder that does not exist is a typo, not an empty memory.
        raise MemoryStoreError(f"--db {db}: no folder {Path(db).expanduser().parent}")
    return MemoryStore(getattr(args, "db", None), getattr(args, "wearer", None) or DEFAULT_WEARER, create=create)


def _cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    try:
        store = _open(args)
    except NoDatabaseError:
        labels = []
    else:
        with store:
            labels = store.labels()
    if args.json:
        print(json.dumps([label.as_dict() for label in labels], indent=2), file=out)
        return 0
    wearer = getattr(args, "wearer", None) or DEFAULT_WEARER
    if not labels:
        print(f"nothing remembered for wearer {wearer!r}", file=out)
        return 0
    now = time.time()
    width = max(len(label.label) for label in labels)
    for label in labels:
        kind = f"enrolled {label.enrolled}" if label.enrolled else "seen"
        print(f"{label.label:<{width}}  {kind:<15}  {label.sightings:>5} sightings  last {_when(label.last_wall, now)}", file=out)
    return 0


def _cmd_where(args: argparse.Namespace, out: TextIO) -> int:
    wearer = getattr(args, "wearer", None) or DEFAULT_WEARER
    try:
        store = _open(args)
    except NoDatabaseError:
        store = None
    sighting = None
    if store is not None:
        with store:
            sighting = store.last_sighting(args.name)
    if sighting is None:
        raise UnknownNameError(f"no sighting of {args.name!r} remembered for wearer {wearer!r} (see: glasses-agent memory list)")
    if args.json:
        print(json.dumps(sighting.as_dict(), indent=2), file=out)
    else:
        print("\n".join(describe_sighting(sighting)), file=out)
    return 0


def _cmd_forget(args: argparse.Namespace, out: TextIO) -> int:
    wearer = getattr(args, "wearer", None) or DEFAULT_WEARER
    try:
        store = _open(args)
    except NoDatabaseError:
        raise UnknownNameError(f"nothing is remembered as {args.name!r} for wearer {wearer!r}") from None
    with store:
        gone = store.forget(args.name)
    parts = [f"{n} {what}" for what, n in gone.items() if n]
    print(f"forgot {args.name!r} for wearer {wearer!r}: " + ", ".join(parts), file=out)
    return 0


def _cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as store:
        data = store.export()
    text = json.dumps(data, indent=2) + "\n"
    if args.out:
        path = Path(args.out)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as err:
            raise MemoryStoreError(f"cannot write {path}: {err.strerror or err}") from None
        print(f"exported wearer {data['wearer']!r} to {path}: {len(data['sightings'])} sightings, "
              f"{len(data['enrollments'])} enrollments, {len(data['feedback'])} feedback", file=out)
    else:
        out.write(text)
    return 0


def _cmd_wipe(args: argparse.Namespace, out: TextIO) -> int:
    wearer = getattr(args, "wearer", None) or DEFAULT_WEARER
    if not args.yes:
        raise ConfirmationRequiredError(f"wipe erases everything remembered for wearer {wearer!r}; run again with --yes")
    try:
        store = _open(args)
    except NoDatabaseError:
        print(f"nothing to wipe for wearer {wearer!r}", file=out)
        return 0
    with store:
        gone = store.wipe(vacuum=True)
    print(f"wiped wearer {wearer!r}: {sum(gone.values())} records erased", file=out)
    return 0


def _box(text: str) -> tuple[float, float, float, float]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4:
        raise MemoryStoreError(f"--box must be X,Y,W,H (four numbers, fractions of the view), got {text!r}")
    return values  # type: ignore[return-value]


def _world(args: argparse.Namespace, store: MemoryStore):  # noqa: ANN202 - torch loads here, not at import
    from glasses_agent.world_model.recordings import open_world

    return open_world(store, args.world, args.perception)


def _cmd_enroll(args: argparse.Namespace, out: TextIO) -> int:
    from glasses_agent.world_model.recordings import enroll_from_recording, enroll_sound_from_recording

    if args.sound:
        if args.start is None or args.end is None:
            raise MemoryStoreError("enrolling a sound needs --start S and --end S")
    elif args.at is None:
        raise MemoryStoreError("enrolling a thing seen needs --at S (and --box X,Y,W,H, or the thing nearest the middle is taken)")
    box = _box(args.box) if args.box else None
    with _open(args, create=True) as store:
        world = _world(args, store)
        if args.sound:
            done = enroll_sound_from_recording(world, args.name, args.source, args.start, args.end)
            print(f"enrolled sound {args.name!r} from {args.source} {args.start:g}-{args.end:g} s "
                  f"({done['ticks']} ticks, threshold {done['threshold']})", file=out)
        else:
            done = enroll_from_recording(world, args.name, args.source, args.at, box)
            print(f"enrolled {args.name!r} from {args.source} at {done['t_s']:g} s, box "
                  f"{','.join(f'{v:.3f}' for v in done['box'])} (threshold {done['threshold']})", file=out)
    return 0


def _cmd_scan(args: argparse.Namespace, out: TextIO) -> int:
    from glasses_agent.world_model.recordings import scan_recording

    with _open(args, create=True) as store:
        if not store.enrollments():
            raise UnknownNameError("nothing is enrolled yet: first `glasses-agent memory enroll NAME --from FILE --at S`")
        done = scan_recording(_world(args, store), args.source)
    heard = ", ".join(f"{k} ({v} ticks)" for k, v in sorted(done["sounds_heard"].items())) or "no enrolled sound"
    print(f"scanned {args.source}: {done['ticks']} ticks, {done['sightings']} sightings remembered, heard {heard}", file=out)
    return 0


COMMANDS = {"enroll": _cmd_enroll, "scan": _cmd_scan, "list": _cmd_list, "where": _cmd_where, "forget": _cmd_forget, "export": _cmd_export, "wipe": _cmd_wipe}


def register(subparsers: Any) -> None:
    """Add `memory` and its actions to the CLI."""
    add_memory_parser(subparsers).set_defaults(handler=run_memory_command)


def run_memory_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the parsed `memory` action; raises MemoryStoreError (one-line message) on bad input."""
    return COMMANDS[args.memory_command](args, out or sys.stdout)
