"""The world model's tracks on a clip, as rows for `tracking.evaluate_tracks`.

The clip is ticked as the agent ticks it (10 Hz, or the clip's own rate if lower), the world model's
pixel half steps on each tick's newest frame, and its entities (the object memory's tracks, with
their ids and boxes) are written for every labelled frame: each labelled frame takes the entities of
the tick whose newest frame is nearest to it (at 30 frames/s and 10 ticks/s, at most a frame away).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.evals.tracking import Row, TrackingScore, evaluate_tracks, read_mot


def world_track_rows(clip: Path, labelled_frames: list[int], *, use_slots: bool | None = None,
                     through_frame: int | None = None) -> tuple[list[Row], float]:
    """(rows for the labelled frames, the clip's frames per second) from the world model's entities;
    with `through_frame`, only the clip's start up to that decoded frame is ticked."""
    from glasses_agent.context import TickContext
    from glasses_agent.world_model.world import WorldModel
    from streams.sources.media_file import MediaFileSource
    from streams.sync import TickSynchronizer, ticks_of_frames
    from tools.evals.frame_rate import tick_hz_for

    source = MediaFileSource(clip)
    fps = float(source.describe().get("fps") or 10.0)
    world = WorldModel(None, use_latent=False, use_slots=use_slots)
    at_frame: dict[int, list[tuple[int, tuple[float, float, float, float]]]] = {}
    for tick in ticks_of_frames(source.frames(), TickSynchronizer(tick_hz=tick_hz_for(clip), video_frames=4)):
        frame = tick.latest_video
        if frame is None:
            continue
        index = round(frame.t_ns / 1e9 * fps)  # the decoded frame's index
        if through_frame is not None and index > through_frame:
            break
        state = world.step(TickContext(tick=tick))
        h, w = frame.image.shape[:2]
        at_frame[index] = [(e.id, (e.box[0] * w, e.box[1] * h, e.box[2] * w, e.box[3] * h))
                           for e in state.entities if e.visible]
    rows: list[Row] = []
    if not at_frame:
        return rows, fps
    ticked = sorted(at_frame)
    for label in labelled_frames:
        nearest = min(ticked, key=lambda f: abs(f - (label - 1)))
        if abs(nearest - (label - 1)) <= max(1.0, fps / 10.0):
            rows += [(label, tid, box) for tid, box in at_frame[nearest]]
    return rows, fps


def score_world_tracks(clip: Path, labels: Path, *, use_slots: bool | None = None) -> TrackingScore:
    """The world model's tracks on `clip` against the hand-labelled `labels` (CLEAR-MOT at IoU 0.5)."""
    truth = read_mot(labels)
    frames = sorted({frame for frame, _, _ in truth})
    rows, fps = world_track_rows(clip, frames, use_slots=use_slots)
    return evaluate_tracks(rows, truth, fps=fps)


def describe(name: str, score: TrackingScore) -> dict[str, Any]:
    """One clip's line of the table, as a dict."""
    return {"clip": name, **score.as_dict()}
