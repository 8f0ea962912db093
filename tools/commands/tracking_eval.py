"""`glasses-agent eval tracking`: the world model's tracks against the hand-labelled ones (a target of the eval family).

    glasses-agent eval tracking                                  # every labelled clip under tests/fixtures/tracks/
    glasses-agent eval tracking --clip walk.mp4 --labels walk.txt

Id switches, fragmentations, MOTA and IDF1 at IoU 0.5 (tools/evals/tracking.py); issue 16's bar is at
most one id switch per labelled track a minute.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tools.commands.common import add_object_slots_argument, write_results

LABELS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tracks"
# Each label file and the shared clip it labels (tests/fixtures/tracks/README.md).
LABELLED = {
    "box.txt": "video/box.mp4",
    "one-by-one-person-detection.txt": "video/intel/one-by-one-person-detection.mp4",
    "vtest.txt": "video/vtest.avi",
}


def add_targets(subparsers: Any) -> None:
    """Add `eval tracking` (called by tools.commands.evals.register)."""
    p = subparsers.add_parser("tracking", help="the world model's tracks against hand-labelled ones: id switches at IoU 0.5")
    p.add_argument("--clip", type=Path, help="a clip (default: every labelled shared clip)")
    p.add_argument("--labels", type=Path, help="its MOTChallenge label file (with --clip)")
    add_object_slots_argument(p)
    p.add_argument("--out", default="bench-results/tracking.json", help="JSON to write (default bench-results/tracking.json)")
    p.set_defaults(handler=cmd_eval_tracking)


def _pairs(args: argparse.Namespace) -> list[tuple[str, Path, Path]]:
    from glasses_agent.errors import GlassesAgentError
    from tools.data_splits import SHARED_DATA

    if (args.clip is None) != (args.labels is None):
        raise GlassesAgentError("eval tracking: give --clip and --labels together (or neither: every labelled shared clip)")
    if args.clip is not None:
        for path in (args.clip, args.labels):
            if not path.is_file():
                raise GlassesAgentError(f"{path}: no such file")
        return [(args.clip.name, args.clip, args.labels)]
    if not SHARED_DATA.exists():
        raise GlassesAgentError(f"{SHARED_DATA}: missing (the labelled clips are there)")
    return [(clip, SHARED_DATA / clip, LABELS / labels) for labels, clip in LABELLED.items()]


def cmd_eval_tracking(args: argparse.Namespace) -> int:
    """Score the world model's tracks on each labelled clip and print one line a clip."""
    from tools.evals.track_run import describe, score_world_tracks
    from tools.evals.tracking import TrackLabelsError

    rows = []
    for name, clip, labels in _pairs(args):
        try:
            score = score_world_tracks(clip, labels, use_slots=args.object_slots)
        except TrackLabelsError as err:
            from glasses_agent.errors import GlassesAgentError

            raise GlassesAgentError(str(err)) from None
        row = describe(name, score)
        rows.append(row)
        print(f"{name:<45} tracks {row['labelled_tracks']:>2}  id switches {row['id_switches']:>3} "
              f"(worst track {row['switches_per_track_minute']:.2f}/min)  fragmentations {row['fragmentations']:>3}  "
              f"matches {row['matches']:>4}  misses {row['misses']:>4}  false {row['false_positives']:>4}  "
              f"MOTA {row['mota']:.3f}  IDF1 {row['idf1']:.3f}")
    print(f"written {write_results(args.out, {'clips': rows})}")
    return 0
