"""Every subcommand and flag fed bad values, in-process through `tools.cli.main`, each case under a
time cap: no tracebacks, no hangs, and a refusal is one line on stderr naming the flag (or the
value given). The cases come from walking the argparse tree, so a new flag is swept without
anyone adding it here.

A value argparse accepts is run through the command only where the command is quick (`info`,
`replay` without the agent, `memory`, `record --synthetic`, `broker` set-up...); commands that
start long-running work (the agent, training, services, the simulator) are checked at the
parser only when the value is valid: what their handlers do with a bad value is covered where
the handler refuses it (the parser's types) and by their own tests.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools.arg_checks import non_empty
from tools.cli import build_parser, main

CASE_SECONDS = 10.0  # a hang is a case that takes longer than this

# The bad values a flag is fed, by what it takes ("<dir>"/"<missing>" become paths): numbers get
# the numeric trouble, names and paths get the file-system trouble, choices get garbage.
NUMERIC_VALUES = ("", "-1", "0", "nan", "inf", "-inf", "1e309", "99999999999999999999", "garbage")
TEXT_VALUES = ("", "-1", "<dir>", "<missing>")
CHOICE_VALUES = ("", "garbage")


def _bad_values(action: argparse.Action) -> tuple[str, ...]:
    if action.choices:
        return CHOICE_VALUES
    if action.type not in (None, str, non_empty):
        return NUMERIC_VALUES
    return TEXT_VALUES


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...]
    flag: str  # the flag (or positional's name) under test
    value: str | None  # None: the flag given with no value at all
    others: tuple[str, ...] = ()  # the command's other flags: a refusal may name one of them instead

    def __str__(self) -> str:
        return " ".join(self.argv)


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """(command path, its parser) for every leaf subcommand."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield prefix, parser
        return
    for sub in subs:
        for name, child in sub.choices.items():
            yield from _commands(child, prefix + (name,))


def _value_actions(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        if action.option_strings and action.nargs == 0:
            continue  # a switch takes no value
        yield action


def _name(action: argparse.Action) -> str:
    return max(action.option_strings, key=len) if action.option_strings else action.dest


def _placeholder(action: argparse.Action, paths: dict[str, str]) -> list[str]:
    """A value that gets a required argument past the parser, so the flag under test is reached."""
    if action.choices:
        return [str(next(iter(action.choices)))]
    text = f"{action.metavar or ''} {action.dest}".lower()
    if "mcap" in text or "file" in text or "from" in text or "replay" in text:
        return [paths["recording"]]
    if "dir" in text:
        return [paths["folder"]]
    if "out" in text:
        return [paths["out"]]
    return ["x"]


def _base(parser: argparse.ArgumentParser, skip: argparse.Action, paths: dict[str, str]) -> list[str]:
    """Required arguments (other than `skip`) with placeholder values; positionals last."""
    options, positionals = [], []
    for action in _value_actions(parser):
        if action is skip:
            continue
        if action.option_strings and action.required:
            options += [action.option_strings[0], *_placeholder(action, paths)]
        elif not action.option_strings and action.nargs not in ("?", "*"):
            positionals += _placeholder(action, paths)
    for group in parser._mutually_exclusive_groups:
        if group.required and not any(a is skip for a in group._group_actions):
            first = group._group_actions[0]
            options += [first.option_strings[0]] + ([] if first.nargs == 0 else _placeholder(first, paths))
    return options + positionals


def build_cases(paths: dict[str, str]) -> list[Case]:
    cases = []
    for command, parser in _commands(build_parser()):
        others = tuple(o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help")
        for action in _value_actions(parser):
            base = _base(parser, action, paths)
            name = _name(action)
            if action.option_strings:
                cases.append(Case((*command, *base, name), name, None, others))
            for raw in _bad_values(action):
                value = {"<dir>": paths["folder"], "<missing>": paths["missing"]}.get(raw, raw)
                if action.option_strings:
                    argv = (*command, *base, f"{name}={value}" if value.startswith("-") else name, *(
                        () if value.startswith("-") else (value,)))
                else:
                    argv = (*command, *base[: len(base)], value)
                cases.append(Case(tuple(argv), name, value, others))
    return cases


# Commands whose handler is quick enough to run in the sweep when argparse accepts the value.
QUICK = {("info",), ("devices",), ("memory", "list"), ("memory", "where"), ("memory", "forget"),
         ("memory", "export"), ("memory", "wipe"), ("broker", "provision"), ("broker", "revoke"), ("scenarios",)}


def _quick(case: Case, args: argparse.Namespace) -> bool:
    command = tuple(a for a in case.argv[:2] if not a.startswith("-"))
    if command[:1] == ("replay",):
        # Without the agent a replay of the small recording is quick; with it, the agent loads.
        return not (args.prompts_out or args.agent or getattr(args, "record_out", None))
    if command[:1] == ("record",):
        return bool(args.synthetic) and (args.duration or 10.0) <= 10.0
    if command[:1] == ("scenarios",):
        return bool(args.list)
    return command in QUICK or command[:1] in QUICK


def _run(case: Case) -> tuple[int | None, str, BaseException | None, bool]:
    """(exit code, stderr, escaped exception, finished in time), main() run in a thread."""
    result: dict[str, object] = {}
    err, out = io.StringIO(), io.StringIO()

    def target() -> None:
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                try:
                    result["code"] = main(list(case.argv))
                except SystemExit as exit_:
                    result["code"] = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        except BaseException as escaped:  # noqa: BLE001 - what the test is looking for
            result["escaped"] = escaped

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(CASE_SECONDS)
    return result.get("code"), err.getvalue(), result.get("escaped"), not thread.is_alive()  # type: ignore[return-value]


def _parses(parser: argparse.ArgumentParser, case: Case) -> argparse.Namespace | None:
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            return parser.parse_args(list(case.argv))
        except SystemExit:
            return None


def _names_it(case: Case, line: str) -> bool:
    """The line names the flag, the value given, or (a refusal of the combination, such as a
    missing --yes or a required input) another flag of the command."""
    if case.flag.lstrip("-").lower() in line.lower():
        return True
    if case.value and (case.value in line or repr(case.value) in line):
        return True
    return any(other in line.split() or f"{other}:" in line for other in case.others)


@pytest.fixture(scope="module")
def paths(tmp_path_factory) -> dict[str, str]:
    from streams.recording import McapRecorder
    from streams.sources.synthetic import SyntheticSource

    tmp = tmp_path_factory.mktemp("sweep")
    recording = tmp / "tiny.mcap"
    with McapRecorder(recording) as recorder:
        for frame in SyntheticSource(seed=0, duration_s=1.0, scenario="quiet").frames():
            recorder.write(frame)
    (tmp / "folder").mkdir()
    return {"recording": str(recording), "folder": str(tmp / "folder"), "out": str(tmp / "out.mcap"),
            "missing": str(tmp / "absent" / "dir" / "x.mcap")}


def test_sweep_every_flag_with_bad_values(paths, monkeypatch, tmp_path):
    from glasses_agent.memory import MemoryStore

    monkeypatch.setenv("GLASSES_AGENT_HOME", str(tmp_path / "home"))  # memory and outboxes stay here
    monkeypatch.chdir(tmp_path)
    (tmp_path / "home").mkdir()
    with MemoryStore(str(tmp_path / "home" / "memory.sqlite3"), "default", create=True):
        pass  # a memory to export, so `memory export`'s own flags are reached
    cases = build_cases(paths)
    assert len(cases) > 300
    tracebacks, hangs, unclear = [], [], []
    ran = 0
    parser = build_parser()
    for case in cases:
        args = _parses(parser, case)
        if args is not None and not _quick(case, args):
            continue  # valid for the parser and starts long-running work: see the module docstring
        code, stderr, escaped, finished = _run(case)
        ran += 1
        if not finished:
            hangs.append(str(case))
            continue
        if escaped is not None or "Traceback" in stderr:
            tracebacks.append(f"{case}: {escaped!r} {stderr[-300:]}")
            continue
        if code:
            lines = [line for line in stderr.splitlines() if line.strip() and "warning:" not in line]
            if len(lines) != 1 or not _names_it(case, lines[0]):
                unclear.append(f"{case} -> {code}: {stderr.strip()!r}")
    assert not (hangs or tracebacks or unclear), "\n".join(
        [f"{len(hangs)} hangs:", *hangs, f"{len(tracebacks)} tracebacks:", *tracebacks,
         f"{len(unclear)} refusals that are not one line naming the flag:", *unclear])
    assert ran > 200


def test_the_sweep_reaches_every_subcommand(paths):
    commands = {case.argv[0] for case in build_cases(paths)}
    assert {"replay", "record", "run", "memory", "bridge", "device", "broker", "train", "eval"} <= commands
    assert math.isfinite(CASE_SECONDS)
