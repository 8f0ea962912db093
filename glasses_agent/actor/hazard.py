"""Hazard: something approaching fast. Safety: it pre-empts everything and is never muted by learning.

Two sources of evidence, either suffices: the world model's tracks (an entity whose box grows
fast while it is at or moving toward the centre of view) and the classical looming cues (a
region of change that keeps growing; an even-coloured region whose size grows exponentially,
i.e. a short time to contact, which holds up while the wearer walks). Direction is a clock position from where it is in view.
"""

from __future__ import annotations

from glasses_agent.actor.base import View, prompt
from glasses_agent.memory.describe import clock_hour, clock_phrase
from glasses_agent.prompts import PRIORITY_SAFETY, Prompt

CENTRAL = 0.3  # |x - 0.5| within this counts as "in the wearer's path"


class HazardPolicy:
    kind = "hazard"

    def propose(self, view: View) -> list[Prompt]:
        best: tuple[float, float, str] | None = None  # (score, x, source)
        world = view.world
        if world is not None:
            limit = view.settings.threshold("hazard_approach", 0.35)
            for e in world.entities:
                if not e.visible or e.approach < limit or e.kind == "qr":
                    continue
                x, _ = e.center
                if abs(x - 0.5) > CENTRAL + e.box[2] / 2:
                    continue  # growing, but passing by at the edge of view
                score = min(1.0, e.approach / (2 * limit))
                if best is None or score > best[0]:
                    best = (score, x, "world")
        det = view.detections
        if det is not None and det.looming is not None:
            if det.looming.score >= view.settings.threshold("hazard_looming", 0.5):
                x, _ = det.looming.center
                if best is None or det.looming.score > best[0]:
                    best = (det.looming.score, x, "looming")
        if best is None:
            return []
        score, x, source = best
        return [prompt("hazard", view.t_ns, f"Look out! Coming {clock_phrase(x)}", priority=PRIORITY_SAFETY,
                       haptic="long", ttl_ms=3_000, x=x, clock=clock_hour(x), score=score, source=source,
                       key=f"hazard@{clock_hour(x)}")]
