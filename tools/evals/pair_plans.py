"""What happens in each kind of made-up clip: the camera window, the objects' paths and the event.

A plan is geometry only (positions in canvas pixels per frame, visibility, which crop, turn, gain);
tools.evals.make_pairs renders it over real frames. Violations give two scenes that share everything
until the event; controls give one scene whose event looks like a violation but is not one.
Every random draw comes from the pair's own generator, so a pair is reproduced from its seed.
Parameters are redrawn until the event happens where it must (in open view, or really out of view).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tools.evals.backgrounds import away_and_back_window, pan_window, still_window
from tools.evals.object_crops import ObjectCrop, as_panel, sized

VIOLATIONS = ("permanence", "continuity", "constancy", "occlusion", "out_of_view")
CONTROLS = ("behind_occluder", "leaves_frame", "pan_away_and_back", "turning", "lighting")
EVENTS = {"permanence": "vanishes in open view", "continuity": "jumps a third of the view ahead",
          "constancy": "turns into another object", "occlusion": "does not come out from behind the occluder",
          "out_of_view": "is gone when the view pans back to where it was",
          "behind_occluder": "passes behind an occluder and comes out", "leaves_frame": "leaves the frame",
          "pan_away_and_back": "is still there when the view pans away and back",
          "turning": "turns gradually", "lighting": "the light changes gradually"}
SPEEDS = (0.05, 0.1, 0.16, 0.24)  # view widths a second
CONTRASTS = (0.55, 0.8, 1.0)
MARGIN = 4  # pixels of clear view around an object "in open view"


class PlanError(RuntimeError):
    """No parameters were found for a plan (e.g. a background too small for the pan it needs)."""


@dataclass
class Track:
    """One object's path: canvas position, visibility, crop index, turn angle and squash per frame."""

    crops: list[ObjectCrop]
    height: float
    x: np.ndarray
    y: np.ndarray
    visible: np.ndarray
    which: np.ndarray
    angle: np.ndarray
    squash: np.ndarray


@dataclass
class Occluder:
    """A still occluder drawn over a pair's frames: its RGB image and alpha mask, its place, and what
    the manifest records of it."""
    img: np.ndarray  # float RGB, sized
    alpha: np.ndarray
    x: float
    y: float
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scene:
    """Everything drawn over the background of one clip."""

    window: np.ndarray  # (n, 2) view origin in canvas pixels
    tracks: list[Track] = field(default_factory=list)
    occluder: Occluder | None = None
    gain: np.ndarray | None = None  # (n, 3) per-channel light gain


@dataclass
class Setting:
    """The draws a plan starts from (made by make_pairs from the pair's generator)."""

    rng: np.random.Generator
    n: int
    fps: float
    view: tuple[int, int]
    canvas: tuple[int, int]
    synthetic_pan: bool
    crop: ObjectCrop
    other: ObjectCrop
    occluder: ObjectCrop
    height: float
    speed_frac: float


def _dims(crop: ObjectCrop, height: float) -> tuple[float, float]:
    h, w = crop.alpha.shape
    s = height / crop.core_rows
    return w * s, h * s


def _in_view(x: float, y: float, w: float, h: float, win: np.ndarray, view: tuple[int, int]) -> bool:
    rx, ry = x - win[0], y - win[1]
    return (rx - w / 2 >= MARGIN and rx + w / 2 <= view[0] - MARGIN
            and ry - h / 2 >= MARGIN and ry + h / 2 <= view[1] - MARGIN)


def _out_of_view(x: float, y: float, w: float, h: float, win: np.ndarray, view: tuple[int, int]) -> bool:
    rx, ry = x - win[0], y - win[1]
    return rx + w / 2 < 0 or rx - w / 2 > view[0] or ry + h / 2 < 0 or ry - h / 2 > view[1]


def _window(s: Setting) -> tuple[np.ndarray, dict[str, Any]]:
    if not s.synthetic_pan:
        return still_window(s.n), {"kind": "clip"}
    return pan_window(s.rng, s.n, (s.canvas[0] - s.view[0], s.canvas[1] - s.view[1]))


def _track(s: Setting, win: np.ndarray, k_at: int, rel: tuple[float, float], speed: float, direction: int) -> Track:
    """A straight glide through canvas point (window(k_at) + rel) at frame k_at."""
    t = (np.arange(s.n) - k_at) / s.fps
    drift = s.rng.uniform(-0.03, 0.03) * s.view[1]
    x = win[k_at, 0] + rel[0] + direction * speed * t
    y = win[k_at, 1] + rel[1] + drift * t
    return Track([s.crop, s.other], s.height, x, y, np.ones(s.n, bool), np.zeros(s.n, int),
                 np.zeros(s.n), np.ones(s.n))


def _rel_in_view(s: Setting, w: float, h: float, lo_x: float = 0.0, hi_x: float = 0.0) -> tuple[float, float]:
    W, H = s.view
    x = s.rng.uniform(w / 2 + MARGIN + lo_x, W - w / 2 - MARGIN - hi_x)
    y = s.rng.uniform(h / 2 + MARGIN, H - h / 2 - MARGIN)
    return x, y


def _ramp(n: int, fps: float, t0: float, t1: float) -> np.ndarray:
    u = np.clip((np.arange(n) / fps - t0) / (t1 - t0), 0.0, 1.0)
    return u * u * (3 - 2 * u)


def plan_open_view(kind: str, s: Setting) -> tuple[Scene, Scene | None, dict[str, Any]]:
    """vanish / jump / change (violations) and leaves_frame / turning / lighting (controls)."""
    W, H = s.view
    w, h = _dims(s.crop, s.height)
    ow, _ = _dims(s.other, s.height)
    for _ in range(300):
        win, camera = _window(s)
        direction = int(s.rng.choice([-1, 1]))
        speed = s.speed_frac * W
        t_event = s.rng.uniform(2.4, 3.6)
        k = int(round(t_event * s.fps))
        jump = W / 3
        if kind == "continuity":  # room ahead for the jump
            lo, hi = (0.0, jump) if direction > 0 else (jump, 0.0)
            rel = _rel_in_view(s, w, h, lo, hi)
        elif kind == "leaves_frame":
            speed = max(speed, 0.16 * W)
            rel = _rel_in_view(s, w, h)
        else:
            rel = _rel_in_view(s, max(w, ow), h)
        track = _track(s, win, k, rel, speed, direction)
        if kind in ("turning", "lighting"):
            track = _track(s, win, k, rel, min(speed, 0.1 * W), direction)
        ok = _in_view(track.x[k], track.y[k], max(w, ow) if kind == "constancy" else w, h, win[k], s.view)
        if kind == "continuity":
            ok = ok and _in_view(track.x[k] + direction * jump, track.y[k], w, h, win[k], s.view)
        if kind in ("turning", "lighting"):  # in view all along, so the whole change is seen
            side = float(np.hypot(w, h)) if kind == "turning" else w
            ok = ok and all(_in_view(track.x[i], track.y[i], side, max(side, h), win[i], s.view) for i in range(s.n))
        if kind == "leaves_frame":
            out = [_out_of_view(track.x[i], track.y[i], w, h, win[i], s.view) for i in range(s.n)]
            ok = ok and any(out[k:]) and not any(out[:k])
        if not ok:
            continue
        info: dict[str, Any] = {"camera": camera, "direction": direction, "speed_px_s": round(speed, 1),
                                "speed_view_widths_s": round(speed / W, 3)}
        plausible = Scene(win, [track])
        if kind in VIOLATIONS:
            broken = copy.deepcopy(track)
            if kind == "permanence":
                broken.visible[k:] = False
            elif kind == "continuity":
                broken.x[k:] += direction * jump
                info["jump_px"] = round(jump, 1)
            else:
                broken.which[k:] = 1
            return plausible, Scene(win, [broken]), info
        if kind == "turning":
            t0 = s.rng.uniform(1.0, 2.0)
            t1 = t0 + s.rng.uniform(2.0, 3.5)
            turn = s.rng.uniform(40, 90) * s.rng.choice([-1, 1])
            phi = np.radians(s.rng.uniform(40, 70))
            u = _ramp(s.n, s.fps, t0, t1)
            track.angle = turn * u
            track.squash = np.cos(phi * u)
            info["turn"] = {"in_plane_deg": round(float(turn), 1), "about_vertical_deg": round(float(np.degrees(phi)), 1),
                            "from_s": round(t0, 2), "to_s": round(t1, 2)}
        if kind == "lighting":
            t0 = s.rng.uniform(1.0, 2.5)
            t1 = t0 + s.rng.uniform(1.5, 3.0)
            level = s.rng.choice([s.rng.uniform(0.55, 0.8), s.rng.uniform(1.2, 1.4)])
            tint = 1.0 + s.rng.uniform(-0.06, 0.06, size=3)
            u = _ramp(s.n, s.fps, t0, t1)[:, None]
            plausible.gain = 1.0 + (level * tint[None, :] - 1.0) * u
            info["lighting"] = {"gain": round(float(level), 3), "tint": [round(float(v), 3) for v in tint],
                                "from_s": round(t0, 2), "to_s": round(t1, 2)}
        return plausible, None, info
    raise PlanError(f"{kind}: no path keeps the event in open view on this background")


def _hidden(track: Track, i: int, occ: Occluder) -> bool:
    """The object at frame i lies wholly under the occluder's opaque part."""
    img, alpha = sized(track.crops[track.which[i]], track.height)
    h, w = alpha.shape
    oh, ow = occ.alpha.shape
    x0 = int(round(track.x[i] - w / 2 - (occ.x - ow / 2)))
    y0 = int(round(track.y[i] - h / 2 - (occ.y - oh / 2)))
    cover = np.zeros_like(alpha)
    ys0, xs0 = max(0, -y0), max(0, -x0)
    ys1, xs1 = min(h, oh - y0), min(w, ow - x0)
    if ys1 > ys0 and xs1 > xs0:
        cover[ys0:ys1, xs0:xs1] = occ.alpha[y0 + ys0:y0 + ys1, x0 + xs0:x0 + xs1]
    return float((alpha * (1.0 - cover)).max()) < 1e-3


def plan_occluder(kind: str, s: Setting) -> tuple[Scene, Scene | None, dict[str, Any]]:
    """An object glides behind a real occluder: it comes out (control) or does not (violation)."""
    W, H = s.view
    w, h = _dims(s.crop, s.height)
    for _ in range(300):
        win, camera = _window(s)
        direction = int(s.rng.choice([-1, 1]))
        speed = min(max(s.speed_frac, 0.1), 0.16) * W  # fast enough to come out, slow enough to stay hidden a while
        occ_h = max(s.rng.uniform(0.4, 0.6) * H, h * 1.35)
        occ_w = w * s.rng.uniform(1.5, 2.2) + 24  # room to be wholly hidden for a while, soft rim aside
        panel = as_panel(s.occluder)
        img, alpha = sized(panel, occ_h)
        img, alpha = sized(panel, occ_h, squash=occ_w / alpha.shape[1])
        t_centre = s.rng.uniform(2.0, 3.0)
        k = int(round(t_centre * s.fps))
        rel = (s.rng.uniform(0.3, 0.7) * W, s.rng.uniform(occ_h / 2 + MARGIN, H - occ_h / 2 - MARGIN))
        occ = Occluder(img, alpha, win[k, 0] + rel[0], win[k, 1] + rel[1])
        track = _track(s, win, k, rel, speed, direction)
        track.y = track.y - (track.y[k] - occ.y)  # behind the occluder's middle at the crossing
        hidden = [_hidden(track, i, occ) for i in range(s.n)]
        if not any(hidden):
            continue
        first = hidden.index(True)
        last = s.n - 1 - hidden[::-1].index(True)
        after = min(s.n - 1, last + int(0.6 * s.fps))
        if last >= s.n - int(0.8 * s.fps) or first < int(0.8 * s.fps) or last - first < int(0.3 * s.fps):
            continue  # seen before, wholly hidden for at least 0.3 s, and time to come out after
        oh, ow = alpha.shape
        if not (_in_view(occ.x, occ.y, ow, oh, win[last + 1], s.view) and _in_view(track.x[after], track.y[after], w, h, win[after], s.view)):
            continue
        info = {"camera": camera, "direction": direction, "speed_px_s": round(speed, 1),
                "speed_view_widths_s": round(speed / W, 3),
                "occluder": dict(panel.info, height_px=round(occ_h, 1), width_px=round(occ_w, 1)),
                "hidden_s": [round(first / s.fps, 3), round(last / s.fps, 3)]}
        occ.info = info["occluder"]
        plausible = Scene(win, [track], occ)
        if kind == "occlusion":
            broken = copy.deepcopy(track)
            broken.visible[first:] = False
            return plausible, Scene(win, [broken], occ), info
        return plausible, None, info
    raise PlanError(f"{kind}: no path takes the object wholly behind the occluder on this background")


def plan_pan_back(kind: str, s: Setting) -> tuple[Scene, Scene | None, dict[str, Any]]:
    """The view pans away until the object is out of view and back: it is there (control) or gone."""
    W, H = s.view
    w, h = _dims(s.crop, s.height)
    rx, ry = s.canvas[0] - W, s.canvas[1] - H
    for _ in range(300):
        pan_dir = int(s.rng.choice([-1, 1]))
        span = s.rng.uniform(0.7, 1.0) * rx
        start = s.rng.uniform(0, rx - span)
        start_x, away_x = (start, start + span) if pan_dir > 0 else (start + span, start)
        a0 = s.rng.uniform(0.5, 1.0)
        a1 = a0 + s.rng.uniform(1.0, 1.5)
        b0 = a1 + s.rng.uniform(0.5, 1.0)
        b1 = b0 + s.rng.uniform(1.0, 1.5)
        win, camera = away_and_back_window(s.n, s.fps, start_x, away_x, s.rng.uniform(0, ry), (a0, a1, b0, b1))
        speed = s.rng.choice([0.0, 0.02]) * W
        rel = _rel_in_view(s, w, h)
        track = _track(s, win, 0, rel, speed, int(s.rng.choice([-1, 1])))
        out = [_out_of_view(track.x[i], track.y[i], w, h, win[i], s.view) for i in range(s.n)]
        if not any(out) or not _in_view(track.x[-1], track.y[-1], w, h, win[-1], s.view):
            continue
        first = out.index(True)
        last = s.n - 1 - out[::-1].index(True)
        if not all(out[first:last + 1]) or last >= s.n - int(0.8 * s.fps):
            continue
        info = {"camera": camera, "speed_px_s": round(float(speed), 1), "speed_view_widths_s": round(float(speed) / W, 3),
                "out_of_view_s": [round(first / s.fps, 3), round(last / s.fps, 3)]}
        plausible = Scene(win, [track])
        if kind == "out_of_view":
            broken = copy.deepcopy(track)
            broken.visible[first:] = False
            return plausible, Scene(win, [broken]), info
        return plausible, None, info
    raise PlanError(f"{kind}: the canvas leaves no room to pan the object out of view")


def plan(kind: str, s: Setting) -> tuple[Scene, Scene | None, dict[str, Any]]:
    """(plausible scene, implausible scene or None for a control, what to write in the manifest)."""
    if kind in ("occlusion", "behind_occluder"):
        return plan_occluder(kind, s)
    if kind in ("out_of_view", "pan_away_and_back"):
        return plan_pan_back(kind, s)
    if kind in VIOLATIONS or kind in CONTROLS:
        return plan_open_view(kind, s)
    raise PlanError(f"unknown kind {kind!r}")
