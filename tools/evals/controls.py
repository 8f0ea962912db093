"""Plausible controls: does an event that only looks like a violation lift surprise over the prompt bar?

A control (DIR/controls/NAME.mp4, from `eval make-pairs`) has a bare reference (NAME_reference.mp4: the
same background and camera path with nothing drawn). The issue's rule, per control: no surprise prompt,
and the surprise z does not cross the prompt threshold where the reference stays below it. A model's
series is read as z (the world model's surprise); the threshold is the actor's `surprise_z` (3.0).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.evals.surprise_pairs import count_alarms

PROMPT_Z = 3.0  # glasses_agent.actor.scene: settings.threshold("surprise_z", 3.0)


class ControlsError(ValueError):
    """A folder without a make-pairs manifest, or one whose control clips are missing."""


def load_controls(folder: str | Path) -> list[dict[str, Any]]:
    """The control entries of DIR/manifest.json, with their files checked."""
    folder = Path(folder)
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise ControlsError(f"{folder}: no manifest.json (make the folder with 'glasses-agent eval make-pairs')")
    try:
        entries = json.loads(manifest.read_text()).get("controls", [])
    except ValueError as err:
        raise ControlsError(f"{manifest}: not JSON ({err})") from None
    for entry in entries:
        for rel in entry["files"].values():
            if not (folder / rel).is_file():
                raise ControlsError(f"{folder / rel}: missing (listed in {manifest})")
    return entries


def evaluate_controls(folder: str | Path, surprise: Callable[[Path], list[float]],
                      threshold: float = PROMPT_Z) -> dict[str, Any]:
    """Per control: max surprise of the control and of its reference, the alarms (rising edges over the
    threshold) in each, and whether the control fails the rule; per kind and overall: how many fail."""
    folder = Path(folder)
    rows = []
    for entry in load_controls(folder):
        shown = surprise(folder / entry["files"]["control"])
        bare = surprise(folder / entry["files"]["reference"])
        row = {
            "name": entry["name"], "kind": entry["kind"],
            "control_max": round(max(shown), 4), "reference_max": round(max(bare), 4),
            "control_alarms": count_alarms(shown, threshold), "reference_alarms": count_alarms(bare, threshold),
        }
        # A prompt the bare clip would not have raised, or a crossing the bare clip does not make.
        row["fails"] = bool(row["control_max"] >= threshold and row["reference_max"] < threshold) or \
            row["control_alarms"] > row["reference_alarms"]
        rows.append(row)
    kinds = sorted({r["kind"] for r in rows})
    summary = {k: {"controls": sum(r["kind"] == k for r in rows), "fail": sum(r["fails"] for r in rows if r["kind"] == k)}
               for k in kinds + ["overall"] if k != "overall"}
    summary["overall"] = {"controls": len(rows), "fail": sum(r["fails"] for r in rows)}
    return {"threshold": threshold, "controls": rows, "summary": summary}


def format_controls(result: dict[str, Any]) -> str:
    """The per-kind table: controls, how many fail the rule."""
    lines = [f"plausible controls: fails = crosses z {result['threshold']} where its bare reference does not, "
             f"or raises more alarms", f"{'kind':<20} {'controls':>8} {'fail':>5}"]
    for kind, s in result["summary"].items():
        lines.append(f"{kind:<20} {s['controls']:>8} {s['fail']:>5}")
    return "\n".join(lines)
