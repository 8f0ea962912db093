"""Tracking against hand-labelled tracks: id switches and fragmentations at IoU 0.5 (CLEAR-MOT, motmetrics).

Labels are MOTChallenge text files (tests/fixtures/tracks/*.txt, one box a line:
`frame,id,left,top,width,height,conf,x,y,z`, frame numbers 1-based = decoded frame index + 1, labelled
on every 10th frame). A tracker's output is any iterable of (frame, id, (left, top, width, height)) in
the same numbering; only the labelled frames are scored, so a tracker run on every frame is compared on
the frames a person looked at. A prediction matches a label when their IoU is at least 0.5.

    from tools.evals.tracking import evaluate_tracks
    score = evaluate_tracks(rows, "tests/fixtures/tracks/box.txt", fps=29.97)
    score.id_switches, score.fragmentations, score.switches_per_track_minute
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

Box = tuple[float, float, float, float]  # left, top, width, height (pixels)
Row = tuple[int, int, Box]  # frame (1-based), track id, box


class TrackLabelsError(ValueError):
    """A label file that cannot be read as MOTChallenge text."""


@dataclass
class TrackingScore:
    """CLEAR-MOT counts over the labelled frames."""

    frames: int  # labelled frames scored
    labelled_tracks: int
    id_switches: int
    fragmentations: int
    misses: int
    false_positives: int
    matches: int
    mota: float
    idf1: float
    seconds: float  # time spanned by the labelled frames
    switches_per_track: dict[int, int] = field(default_factory=dict)  # labelled id -> switches

    @property
    def switches_per_track_minute(self) -> float:
        """The worst labelled track's id switches per minute (the issue's bar: at most one)."""
        worst = max(self.switches_per_track.values(), default=0)
        return worst / (self.seconds / 60.0) if self.seconds > 0 else float(worst)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["switches_per_track_minute"] = round(self.switches_per_track_minute, 3)
        return out


def read_mot(path: str | Path) -> list[Row]:
    """The rows of a MOTChallenge text file (frame, id, (left, top, width, height))."""
    rows: list[Row] = []
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as err:
        raise TrackLabelsError(f"{path}: cannot read track labels ({err.strerror or err})") from None
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split(",")]
        try:
            frame, tid = int(float(cells[0])), int(float(cells[1]))
            box = tuple(float(c) for c in cells[2:6])
        except (ValueError, IndexError):
            raise TrackLabelsError(f"{path}:{n}: expected frame,id,left,top,width,height,... got {line!r}") from None
        if len(box) != 4 or box[2] <= 0 or box[3] <= 0:
            raise TrackLabelsError(f"{path}:{n}: a box needs a positive width and height, got {line!r}")
        rows.append((frame, tid, box))  # type: ignore[arg-type]
    return rows


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of (n, 4) and (m, 4) boxes given as left, top, width, height."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    ax1, ay1, ax2, ay2 = a[:, 0:1], a[:, 1:2], a[:, 0:1] + a[:, 2:3], a[:, 1:2] + a[:, 3:4]
    bx1, by1, bx2, by2 = b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    w = np.clip(np.minimum(ax2, bx2) - np.maximum(ax1, bx1), 0, None)
    h = np.clip(np.minimum(ay2, by2) - np.maximum(ay1, by1), 0, None)
    inter = w * h
    union = a[:, 2:3] * a[:, 3:4] + b[:, 2] * b[:, 3] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def _by_frame(rows: Iterable[Row]) -> dict[int, list[tuple[int, Box]]]:
    out: dict[int, list[tuple[int, Box]]] = {}
    for frame, tid, box in rows:
        out.setdefault(int(frame), []).append((int(tid), tuple(float(v) for v in box)))  # type: ignore[arg-type]
    return out


def evaluate_tracks(predicted: Iterable[Row], labels: str | Path | Iterable[Row], *, fps: float,
                    min_iou: float = 0.5) -> TrackingScore:
    """Score a tracker's (frame, id, box) rows against labelled tracks on the labelled frames."""
    try:
        import motmetrics as mm
    except ImportError:
        raise TrackLabelsError("tracking evaluation needs the motmetrics package (pip install motmetrics)") from None
    truth = _by_frame(read_mot(labels) if isinstance(labels, (str, Path)) else labels)
    guess = _by_frame(predicted)
    acc = mm.MOTAccumulator(auto_id=False)
    for frame in sorted(truth):
        gt, hyp = truth[frame], guess.get(frame, [])
        overlap = iou(np.array([b for _, b in gt]), np.array([b for _, b in hyp])) if hyp else np.zeros((len(gt), 0))
        distance = np.where(overlap >= min_iou, 1.0 - overlap, np.nan)  # motmetrics: NaN = may not match
        acc.update([t for t, _ in gt], [t for t, _ in hyp], distance, frameid=frame)
    metrics = ["num_switches", "num_fragmentations", "num_misses", "num_false_positives", "num_matches", "mota", "idf1"]
    summary = mm.metrics.create().compute(acc, metrics=metrics, name="all")
    events = acc.mot_events
    per_track = {int(t): 0 for t in {tid for rows in truth.values() for tid, _ in rows}}
    for oid in events[events["Type"] == "SWITCH"]["OId"]:
        per_track[int(oid)] = per_track.get(int(oid), 0) + 1
    frames = sorted(truth)
    row = summary.loc["all"]
    return TrackingScore(
        frames=len(frames), labelled_tracks=len(per_track),
        id_switches=int(row["num_switches"]), fragmentations=int(row["num_fragmentations"]),
        misses=int(row["num_misses"]), false_positives=int(row["num_false_positives"]),
        matches=int(row["num_matches"]), mota=round(float(row["mota"]), 4),
        idf1=round(float(row["idf1"]), 4) if np.isfinite(row["idf1"]) else 0.0,
        seconds=(frames[-1] - frames[0]) / fps if len(frames) > 1 else 0.0,
        switches_per_track=per_track,
    )
