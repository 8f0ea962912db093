"""Violation-of-expectation pairs and plausible controls made from real clips.

    glasses-agent eval make-pairs --from CLIP... --out DIR [--seed N] [--per-kind N] [--controls N]
    glasses-agent eval make-pairs --split reporting --out DIR

Each pair is two clips in the voe_dev layout, DIR/NAME_plausible.mp4 and DIR/NAME_implausible.mp4
(640x360, 15 fps, 6 s, H.264), identical frame for frame until the implausible one breaks a rule:
the object vanishes, jumps, turns into another object (in open view), does not come out from behind
an occluder, or is gone when the view pans back to where it was. DIR/NAME.json tells `eval surprise`
the violation type. Controls go to DIR/controls/: a clip whose event looks like a violation but is
not one (passing behind an occluder and out, leaving the frame, the view panning away and back with
the object still there, gradual turning, gradual light change) and NAME_reference.mp4, the same
background and camera path with nothing drawn on it. DIR/manifest.json lists everything: kind, clip,
seed, object (source frame, mask, size, contrast), speed, camera motion (the clip's own, measured,
or a synthetic pan) and the time of the event.

Objects are cut from other real frames of the clips given (never the pair's own background clip,
when more than one clip is given), so a set made from the `reporting` clips of splits.toml shares
nothing with one made from the `tuning` clips. The same clips and seed make the same files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tools.evals.backgrounds import (
    PAN_CANVAS,
    BackgroundError,
    background_frames,
    measured_motion,
    probe_clip,
    sample_frames,
)
from tools.evals.object_crops import MASK_SHAPES, ObjectCrop, cut_crop, measured_contrast, paste, sized, with_contrast
from tools.evals.pair_plans import CONTRASTS, CONTROLS, EVENTS, SPEEDS, VIOLATIONS, PlanError, Scene, Setting, plan

VIEW = (640, 360)
FPS = 15.0
SECONDS = 6.0
CROPS_PER_CLIP = 4


class MakePairsError(ValueError):
    """Clips that cannot make pairs (unreadable, none given) or an output folder that is not usable."""


def _label(path: Path) -> str:
    """A short name for a clip in file names: its stem, with its folder for the ASL gesture clips."""
    return f"{path.parent.name.split('_')[0]}-{path.stem}" if path.parent.name == "asl_gestures" else path.stem


def _shown(path: Path) -> str:
    """The clip as the manifest names it: relative to the shared data folder where it lies there."""
    from tools.data_splits import SHARED_DATA

    try:
        return Path(path).resolve().relative_to(SHARED_DATA.resolve()).as_posix()
    except ValueError:
        return str(path)


def crop_pool(clips: list[Path], seed: int) -> dict[str, list[ObjectCrop]]:
    """Object and occluder crops from each clip: a few frames spread over it, mask shapes in turn."""
    pool: dict[str, list[ObjectCrop]] = {}
    for c, path in enumerate(clips):
        rng = np.random.default_rng([seed, 7919, c])
        info = probe_clip(path)
        span = min(info.seconds, 40.0)
        times = sorted(float(t) for t in rng.uniform(0.05, 0.95, CROPS_PER_CLIP + 1) * span)
        frames = sample_frames(path, times)
        crops = []
        for i, (t, frame) in enumerate(frames):
            shape = MASK_SHAPES[(i + c) % len(MASK_SHAPES)]
            crops.append(cut_crop(rng, frame, shape, _shown(path), int(round(t * info.fps))))
            crops[-1].info["time_s"] = round(t, 3)
        pool[str(path)] = crops
    return pool


def _pick(rng: np.random.Generator, pool: dict[str, list[ObjectCrop]], avoid: set[str],
          avoid_crop: ObjectCrop | None = None) -> ObjectCrop:
    sources = [k for k in pool if k not in avoid] or list(pool)
    choices = [c for k in sources for c in pool[k] if c is not avoid_crop]
    return choices[int(rng.integers(len(choices)))]


def render(scene: Scene, background: list[np.ndarray], view: tuple[int, int]) -> list[np.ndarray]:
    """The scene drawn over the background frames, cut to the view window (uint8 RGB frames)."""
    W, H = view
    out = []
    for i, bg in enumerate(background):
        wx, wy = int(round(scene.window[i, 0])), int(round(scene.window[i, 1]))
        frame = bg[wy:wy + H, wx:wx + W].astype(np.float32)
        for track in scene.tracks:
            if track.visible[i]:
                img, alpha = sized(track.crops[track.which[i]], track.height, track.angle[i], track.squash[i])
                paste(frame, img, alpha, track.x[i] - wx, track.y[i] - wy)
        if scene.occluder is not None:
            occ = scene.occluder
            paste(frame, occ.img, occ.alpha, occ.x - wx, occ.y - wy)
        if scene.gain is not None:
            frame *= scene.gain[i][None, None, :]
        out.append(np.clip(np.round(frame), 0, 255).astype(np.uint8))
    return out


def write_mp4(path: Path, frames: list[np.ndarray], fps: float) -> None:
    """H.264 without look-ahead or B-frames, one thread: a frame's pixels depend only on it and the
    frames before it, so twins stay identical until they differ, and the same frames give the same bytes."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=int(round(fps)),
                                      options={"crf": "18", "tune": "zerolatency", "threads": "1", "preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        for img in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _first_difference(a: list[np.ndarray], b: list[np.ndarray]) -> int | None:
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if not np.array_equal(x, y):
            return i
    return None


def _object_info(crop: ObjectCrop, height: float, contrast: float, background: list[np.ndarray], scene: Scene) -> dict[str, Any]:
    track = scene.tracks[0]
    img, alpha = sized(track.crops[0], track.height)
    # Contrast where the object is seen whole: the frame of its track nearest the middle that is in view.
    h, w = alpha.shape
    whole = [i for i in range(len(background)) if track.visible[i]
             and 0 <= track.x[i] - scene.window[i, 0] - w / 2 and track.x[i] - scene.window[i, 0] + w / 2 <= VIEW[0]
             and 0 <= track.y[i] - scene.window[i, 1] - h / 2 and track.y[i] - scene.window[i, 1] + h / 2 <= VIEW[1]]
    i = min(whole, key=lambda k: abs(k - len(background) // 2)) if whole else int(np.argmax(track.visible))
    wx, wy = (int(round(v)) for v in scene.window[i])
    under = background[i][wy:wy + VIEW[1], wx:wx + VIEW[0]]
    return dict(crop.info, height_px=round(height, 1), height_view_fraction=round(height / VIEW[1], 3),
                contrast=contrast,
                measured_contrast=round(measured_contrast(under, img, alpha, track.x[i] - wx, track.y[i] - wy), 1))


def make_one(kind: str, index: int, clips: list[Path], pool: dict[str, list[ObjectCrop]], seed: int,
             out: Path) -> dict[str, Any]:
    """One pair (violation kinds) or one control with its reference, written under `out`."""
    pair_seed = int(np.random.SeedSequence([seed, (VIOLATIONS + CONTROLS).index(kind), index]).generate_state(1)[0])
    rng = np.random.default_rng(pair_seed)
    order = (VIOLATIONS + CONTROLS).index(kind)
    background = clips[(index + order) % len(clips)]
    needs_pan = kind in ("out_of_view", "pan_away_and_back")
    synthetic = needs_pan or (index + order) % 2 == 0  # half of each kind, and of any one index, pan
    canvas = (int(VIEW[0] * PAN_CANVAS), int(VIEW[1] * PAN_CANVAS)) if synthetic else VIEW
    info = probe_clip(background)
    start = float(rng.uniform(0, max(0.0, min(info.seconds - SECONDS, 30.0))))
    n = int(round(SECONDS * FPS))
    bg = background_frames(background, start, SECONDS, FPS, canvas)
    crop = _pick(rng, pool, {str(background)})
    other = _pick(rng, pool, {str(background), crop.info["source"]}, avoid_crop=crop)
    occluder = _pick(rng, pool, {str(background)}, avoid_crop=crop)
    contrast = float(rng.choice(CONTRASTS))
    height = float(rng.uniform(0.10, 0.30) * VIEW[1])
    setting = Setting(rng, n, FPS, VIEW, canvas, synthetic, with_contrast(crop, contrast), with_contrast(other, contrast),
                      occluder, height, float(rng.choice(SPEEDS)))
    plausible, implausible, plan_info = plan(kind, setting)
    clip_motion = round(measured_motion([b[:VIEW[1], :VIEW[0]] for b in bg], FPS), 1)
    camera = dict(plan_info.pop("camera"), clip_motion_px_s=clip_motion)
    name = f"real_{kind}_{_label(background)}_{index:02d}"
    entry: dict[str, Any] = {
        "name": name, "kind": kind, "event": EVENTS[kind], "control": kind in CONTROLS, "seed": pair_seed,
        "background": {"clip": _shown(background), "start_s": round(start, 3)}, "camera": camera,
        "camera_moves": camera["kind"] == "synthetic_pan" or clip_motion >= 5.0,
        "fps": FPS, "frames": n, "size": list(VIEW),
    }
    frames_a = render(plausible, bg, VIEW)
    entry["object"] = _object_info(crop, height, contrast, bg, plausible)
    entry.update(plan_info)
    if implausible is not None:
        frames_b = render(implausible, bg, VIEW)
        k = _first_difference(frames_a, frames_b)
        if k is None:
            raise MakePairsError(f"{name}: the twins came out identical")
        if kind == "constancy":
            entry["other_object"] = dict(other.info)
        entry.update(violation=kind, violation_frame=k, violation_time_s=round(k / FPS, 3),
                     files={"plausible": f"{name}_plausible.mp4", "implausible": f"{name}_implausible.mp4"})
        write_mp4(out / entry["files"]["plausible"], frames_a, FPS)
        write_mp4(out / entry["files"]["implausible"], frames_b, FPS)
        (out / f"{name}.json").write_text(json.dumps(entry, indent=1) + "\n")
    else:
        reference = render(Scene(plausible.window), bg, VIEW)
        entry.update(violation=None, files={"control": f"controls/{name}.mp4", "reference": f"controls/{name}_reference.mp4"})
        write_mp4(out / entry["files"]["control"], frames_a, FPS)
        write_mp4(out / entry["files"]["reference"], reference, FPS)
    return entry


def make_pairs(clips: list[Path], out: Path, *, seed: int = 0, per_kind: int = 20, controls: int = 10,
               kinds: tuple[str, ...] = VIOLATIONS + CONTROLS, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Write `per_kind` pairs of each violation kind and `controls` clips of each control kind made from
    `clips` into `out`, and the manifest; returns the manifest."""
    if not clips:
        raise MakePairsError("no clips to make pairs from (give --from CLIP... or --split)")
    for path in clips:
        if not Path(path).is_file():
            raise MakePairsError(f"{path}: no such clip")
    clips = [Path(p) for p in clips]
    out.mkdir(parents=True, exist_ok=True)
    (out / "controls").mkdir(exist_ok=True)
    try:
        pool = crop_pool(clips, seed)
        entries = []
        jobs = [(k, i) for k in kinds for i in range(per_kind if k in VIOLATIONS else controls)]
        for j, (kind, i) in enumerate(jobs):
            if progress:
                progress(f"[{j + 1}/{len(jobs)}] {kind} {i}")
            entries.append(make_one(kind, i, clips, pool, seed, out))
    except (BackgroundError, PlanError) as err:
        raise MakePairsError(str(err)) from None
    manifest = {
        "generator": "glasses-agent eval make-pairs", "seed": seed, "clips": [_shown(p) for p in clips],
        "fps": FPS, "seconds": SECONDS, "size": list(VIEW),
        "pairs": [e for e in entries if not e["control"]],
        "controls": [e for e in entries if e["control"]],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest
