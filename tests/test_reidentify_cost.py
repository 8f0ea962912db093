"""Re-identification's cost cuts change no identity (identity.reidentify, bit for bit).

The gallery of identities dropped a moment ago is asked about every newborn each tick (on the gopro
walk ~110 pairs a tick, ~87% of them far out of reach). The pairs out of reach are found all at once,
and a pair's look (three colour distances) is only asked where it lies within reach: the same
identities, at a third of the time. Scenes here are random, many pairs on the reach gate's edge.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from glasses_agent.world_model import identity
from glasses_agent.world_model.foreground import Detection
from glasses_agent.world_model.identity import REID_WINDOW_S, LostIdentities, LostIdentity, reidentify


def _colour(rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0, 255, 3).astype(np.float32)


def _scene(rng: np.random.Generator, t: float) -> tuple[LostIdentities, list[Detection]]:
    lost = LostIdentities()
    base = _colour(rng)
    for i in range(int(rng.integers(1, 9))):
        colour = np.clip(base + rng.normal(0, 25, 3), 0, 255).astype(np.float32)
        alone = None
        if rng.random() < 0.3:
            alone = LostIdentity(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0, float(rng.uniform(30, 300)), colour.copy(),
                                 None, None, (0.0, 0.0, 1.0, 1.0))
        x, y = rng.uniform(0, 160, 2)
        lost.lost.append(LostIdentity(
            i + 1, 0.0, t - float(rng.uniform(0.0, REID_WINDOW_S + 0.5)), float(x), float(y),
            float(rng.normal(0, 15)) * (rng.random() < 0.8), float(rng.normal(0, 8)), float(rng.uniform(2, 12)),
            float(rng.uniform(30, 300)), colour, colour.copy() if rng.random() < 0.7 else None, _colour(rng),
            (x - 5, y - 10, x + 5, y + 10), float(rng.uniform(0, 300)), alone))
    newborns = []
    for _ in range(int(rng.integers(1, 7))):
        g = lost.lost[int(rng.integers(len(lost.lost)))]
        away = t - g.last_seen
        if rng.random() < 0.5:  # on the edge of its reach gate (past its way on, sideways)
            gate = identity.REID_REACH * identity.reach_gate(g, away)
            angle = rng.uniform(0, 2 * math.pi)
            r = gate * (1 + rng.choice([-1e-12, 0.0, 1e-12, -1e-9, 1e-9]))
            x, y = g.x + g.vx * away + r * math.cos(angle), g.y + g.vy * away + r * math.sin(angle)
        else:
            x, y = rng.uniform(0, 160, 2)
        colour = np.clip(g.colour + rng.normal(0, 20, 3), 0, 255).astype(np.float32)
        newborns.append(Detection(x=float(x), y=float(y), box=(0, 0, 1, 1), area=float(rng.uniform(30, 300)),
                                  colour=colour, fill=1.0, touches_border=False,
                                  top=colour.copy() if rng.random() < 0.7 else None, bottom=_colour(rng)))
    return lost, newborns


def _every_pair_one_by_one(lost: LostIdentities, newborns: list, t: float) -> dict[int, LostIdentity]:
    """reidentify as it was: every pair's reid_cost, one by one, then the same naming."""
    gallery = [g for g in lost.lost if 0.0 < t - g.last_seen <= REID_WINDOW_S]
    if not newborns or not gallery:
        return {}
    costs = np.full((len(newborns), len(gallery)), np.inf)
    for r, tr in enumerate(newborns):
        for c, g in enumerate(gallery):
            cost = identity.reid_cost(g, tr, t)
            if cost is not None:
                costs[r, c] = cost
    return identity.clear_assignment(costs, gallery)


def test_reidentify_names_as_judging_every_pair_one_by_one():
    rng = np.random.default_rng(18)
    named = 0
    for _ in range(1500):
        t = 10.0
        lost, newborns = _scene(rng, t)
        expected = {r: g.id for r, g in _every_pair_one_by_one(copy.deepcopy(lost), newborns, t).items()}
        got = {r: g.id for r, g in reidentify(lost, newborns, t).items()}
        assert got == expected
        named += len(got)
    assert named > 50  # the scenes do name some


def test_a_pair_out_of_reach_is_never_looked_at(monkeypatch):
    looked = []
    look = identity.look_distance
    monkeypatch.setattr(identity, "look_distance", lambda g, det: looked.append(det) or look(g, det))
    far = Detection(x=150.0, y=80.0, box=(145, 70, 155, 90), area=100.0, colour=np.full(3, 90, np.float32),
                    fill=1.0, touches_border=False)
    g = LostIdentity(3, 0.0, 9.5, 20.0, 20.0, 0.0, 0.0, 6.0, 100.0, np.full(3, 90, np.float32), None, None,
                     (15.0, 10.0, 25.0, 30.0))
    lost = LostIdentities()
    lost.lost.append(g)
    assert identity.reid_cost(g, far, 10.0) is None
    assert reidentify(lost, [far], 10.0) == {}
    assert looked == []  # the place said no: the look is not asked
