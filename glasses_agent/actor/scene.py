"""Policies on the world model's state: surprise, enrolled sounds and objects, left behind, guidance.

All of them need `ctx.world`; without a world model they stay silent (the classical detectors'
policies still run).
"""

from __future__ import annotations

from glasses_agent.actor.base import Planner, View, prompt
from glasses_agent.actor.senses import OCCURRENCE_GAP_NS
from glasses_agent.memory.describe import clock_hour, clock_phrase
from glasses_agent.prompts import PRIORITY_HIGH, PRIORITY_INFO, PRIORITY_NORMAL, Prompt
from streams.frames import NS_PER_S

QUADRANT_WORDS = {"top-left": "up left", "top-right": "up right", "bottom-left": "low left", "bottom-right": "low right"}


class SurprisePolicy:
    """An unexpected change: the world model's surprise z-score rises over the threshold."""

    kind = "surprise"

    def __init__(self) -> None:
        self._above = False

    def propose(self, view: View) -> list[Prompt]:
        world = view.world
        if world is None:
            return []
        limit = view.settings.threshold("surprise_z", 3.0)
        was, self._above = self._above, world.surprise >= (limit * 0.7 if self._above else limit)
        if not self._above or was:
            return []
        if world.surprise_where is not None:
            x = world.surprise_where[0]
            where, extra = clock_phrase(x), {"x": x, "clock": clock_hour(x)}
        elif world.surprise_quadrant:
            where, extra = QUADRANT_WORDS.get(world.surprise_quadrant, world.surprise_quadrant), {}
        else:
            where, extra = "nearby", {}
        return [prompt("surprise", view.t_ns, f"Something changed {where}", priority=PRIORITY_NORMAL,
                       z=world.surprise, key=f"surprise@{where}", **extra)]


COMMON_SOUND_TEXT = {"alarm": "Alarm ringing or beeping", "siren": "Siren"}


class SoundPolicy:
    """A sound is heard: one the wearer enrolled (an alarm, a doorbell), or a common alert the
    detectors know without enrolling (alarm beeps and rings, sirens). One alert an occurrence: a
    sound heard again after OCCURRENCE_GAP_NS of not hearing it is a new occurrence; while it
    goes on it is not re-announced (the critic also holds an occurrence to two prompts a minute)."""

    kind = "sound"

    def __init__(self) -> None:
        self._last_heard: dict[str, int] = {}  # name -> t_ns it was last heard
        self._onset: dict[str, int] = {}  # name -> its current occurrence's onset

    def propose(self, view: View) -> list[Prompt]:
        now: dict[str, tuple[str, float, bool]] = {}  # name -> (text, score, enrolled)
        if view.world is not None:
            limit = view.settings.threshold("sound_similarity", 0.8)
            now.update({name: (f"Heard: {name}", sim, True) for name, sim in view.world.sounds if sim >= limit})
        det = view.detections
        if det is not None and "sounds" in det.fresh:
            for kind, score in det.sounds:
                now.setdefault(kind, (COMMON_SOUND_TEXT.get(kind, f"Heard: {kind}"), score, False))
        out = []
        for i, name in enumerate(sorted(now)):
            last = self._last_heard.get(name)
            self._last_heard[name] = view.t_ns
            if last is not None and view.t_ns - last < OCCURRENCE_GAP_NS:
                continue  # the same occurrence, still going
            self._onset[name] = view.t_ns
            text, score, enrolled = now[name]
            out.append(prompt("sound", view.t_ns, text, priority=PRIORITY_HIGH, haptic="double_tap", ordinal=i,
                              name=name, similarity=score if enrolled else None, score=None if enrolled else score,
                              occurrence=view.t_ns, opens=True, key=f"sound:{name}@{view.t_ns}"))
        return out


class ObjectSeenPolicy:
    """An enrolled object comes into view. People are never named (the critic also refuses it)."""

    kind = "object_seen"

    def __init__(self) -> None:
        self._visible: set[str] = set()

    def propose(self, view: View) -> list[Prompt]:
        world = view.world
        if world is None:
            return []
        limit = view.settings.threshold("object_score", 0.7)
        seen = {e.name: e for e in world.entities
                if e.visible and e.name and e.kind != "person" and e.score >= limit}
        new = sorted(set(seen) - self._visible)
        self._visible = set(seen)
        out = []
        for i, name in enumerate(new):
            x, _ = seen[name].center
            out.append(prompt("object_seen", view.t_ns, f"{name} {clock_phrase(x)}", priority=PRIORITY_INFO, ordinal=i,
                              name=name, x=x, clock=clock_hour(x), key=f"seen:{name}"))
        return out


class LeftBehindPolicy:
    """An enrolled object stays behind while the wearer walks away from it."""

    kind = "left_behind"
    GONE_S = 3.0  # out of view this long while walking
    RECENT_S = 30.0  # ...having been seen within this long

    def __init__(self) -> None:
        self._last_seen: dict[str, int] = {}
        self._warned: set[str] = set()

    def propose(self, view: View) -> list[Prompt]:
        world = view.world
        if world is None:
            return []
        for e in world.entities:
            if e.visible and e.name and e.kind != "person":
                self._last_seen[e.name] = view.t_ns
                self._warned.discard(e.name)
        if not view.walking:
            return []
        out = []
        for name, seen in sorted(self._last_seen.items()):
            gone = (view.t_ns - seen) / NS_PER_S
            if name not in self._warned and self.GONE_S <= gone <= self.RECENT_S:
                self._warned.add(name)
                out.append(prompt("left_behind", view.t_ns, f"Left behind? {name}", priority=PRIORITY_HIGH,
                                  haptic="double_tap", ordinal=len(out), name=name, gone_s=gone, key=f"left:{name}"))
        return out


class GuidancePolicy:
    """Mode-2 "find NAME": the world model's planner (where it has one) or the tracked entity says
    which way to turn; spoken as a clock position."""

    kind = "guidance"

    def __init__(self, planner: Planner | None = None) -> None:  # the world model's, if any
        self.planner = planner

    def propose(self, view: View) -> list[Prompt]:
        if not view.goal or view.world is None:
            return []
        goal = view.goal
        x = None
        if self.planner is not None:
            try:
                x = self.planner(view.ctx, goal)
            except Exception:  # noqa: BLE001 - a planner failure must not stop the loop
                x = None
        if x is None:
            for e in view.world.entities:
                if e.name == goal and e.kind != "person":
                    x = e.center[0]
                    break
        if x is None:
            return []
        hour = clock_hour(x)
        text = f"{goal} ahead" if hour == 12 else f"{goal} {clock_phrase(x)}"
        return [prompt("guidance", view.t_ns, text, priority=PRIORITY_HIGH, haptic="tap", name=goal, x=x, clock=hour,
                       key=f"goal:{goal}@{hour}")]
