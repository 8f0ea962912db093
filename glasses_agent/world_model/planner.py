"""Mode-2 planning: which way to turn the head to bring NAME into the middle of the view.

As V-JEPA 2-AC plans, by the cross-entropy method over actions: sample head-motion sequences
(yaw and pitch rates over a short horizon), imagine each one's outcome with the world model, keep
the best, refit the sampling distribution to them, repeat. An outcome is imagined in two parts:

- the latent dynamics rolls the current latent grid forward under the actions (what is in view
  slides as the head turns), and
- the object memory carries NAME's last known place (in view or, once it left the view, where it
  went) along with the turn, and paints NAME's prototype into the predicted grid wherever that
  place falls inside the imagined view.

The score is how close the centre of the final imagined grid is to NAME's prototype (cosine), plus
how near the middle NAME's imagined place lies, less a small cost for turning, so among equally
good plans the gentler wins.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

FOV_RAD = math.radians(60)  # horizontal field of view assumed for head turns (the glasses' camera)
HORIZON = 5  # ticks imagined
TICK_S = 0.1
MAX_RATE = 2.0  # rad/s: the fastest head turn sampled
SAMPLES = 64
ELITES = 8
ITERATIONS = 4
TURN_COST = 0.02  # per radian turned


# `world` is a WorldModel (world.py imports this module, so it is not imported here).


def _prototype_latent(world: Any, name: str) -> np.ndarray | None:
    proto = world.enrolled.prototypes.get(name)
    if proto is None or proto.modality != "object":
        return None
    width = world.config.width if world.config is not None else None
    if width is None or proto.vector.shape[0] <= width:
        return None
    latent = proto.vector[:width]  # the descriptor's first half is the pooled latent
    n = float(np.linalg.norm(latent))
    return latent / n if n > 1e-9 else None


def imagine(world: Any, name: str, actions: np.ndarray) -> np.ndarray:
    """Scores of `actions` (N, HORIZON, 2) rad/s for bringing NAME to the middle of the view."""
    import torch

    place = world.enrolled.seen.get(name)
    latent = _prototype_latent(world, name)
    n = actions.shape[0]
    scores = np.zeros(n)
    grids = None
    if world.dynamics is not None and len(world.history) == world.history.maxlen:
        state = torch.from_numpy(np.stack(world.history))[None].expand(n, -1, -1, -1, -1)
        with torch.inference_mode():
            grids = world.dynamics.rollout(state, torch.from_numpy(actions.astype(np.float32)))[:, -1].numpy()
    w, h = world.objects.size if world.objects.size != (0, 0) else (160, 120)
    px_per_rad = w / FOV_RAD
    turned = actions.sum(axis=1) * TICK_S  # (N, 2) radians: yaw (left +), pitch (up +)
    if place is not None:
        # Where NAME's place lies after the turn: turning left (yaw +) moves the view's content right.
        shift = world.objects.pan - place["pan"]
        x = place["x"] + shift[0] + turned[:, 0] * px_per_rad
        y = place["y"] + shift[1] + turned[:, 1] * px_per_rad
        fx, fy = x / w, y / h
    for k in range(n):
        score = 0.0
        if grids is not None and latent is not None:
            grid = grids[k].copy()
            gh, gw, _ = grid.shape
            if place is not None and 0 <= fx[k] < 1 and 0 <= fy[k] < 1:
                cell = grid[int(fy[k] * gh), int(fx[k] * gw)]
                grid[int(fy[k] * gh), int(fx[k] * gw)] = latent * np.linalg.norm(cell)
            centre = grid[gh // 2 - 1:gh // 2 + 1, gw // 2 - 1:gw // 2 + 1].reshape(-1, grid.shape[-1])
            centre = centre / (np.linalg.norm(centre, axis=1, keepdims=True) + 1e-9)
            score = float((centre @ latent).max())
        if place is not None:
            # Where the object memory imagines NAME after the turn: the nearer the middle, the
            # better (the latent grid is coarse, 6x6, and a small thing's latent is mostly its
            # surroundings, so this term carries the direction).
            score += 1.0 - math.hypot(fx[k] - 0.5, fy[k] - 0.5)
        scores[k] = score - TURN_COST * float(np.abs(turned[k]).sum())
    return scores


def plan_toward(world: Any, name: str, *, seed: int = 0) -> tuple[float, float] | None:
    """The planned head turn (yaw, pitch) in radians over the horizon, or None when NAME is
    unknown (never enrolled) or has never been seen."""
    if name not in world.enrolled.prototypes or name not in world.enrolled.seen:
        return None
    rng = np.random.default_rng(seed)
    mean = np.zeros((HORIZON, 2))
    std = np.full((HORIZON, 2), MAX_RATE / 2)
    for _ in range(ITERATIONS):
        actions = np.clip(mean + std * rng.standard_normal((SAMPLES, HORIZON, 2)), -MAX_RATE, MAX_RATE)
        actions[0] = mean  # keep the current best guess in the running
        scores = imagine(world, name, actions)
        elite = actions[np.argsort(-scores)[:ELITES]]
        mean, std = elite.mean(axis=0), elite.std(axis=0) + 0.05
    total = mean.sum(axis=0) * TICK_S
    return (round(float(total[0]), 4), round(float(total[1]), 4))
