"""The things and sounds the wearer taught by name: their prototypes, where each was last seen,
and the sightings written to persistent memory.

The world model asks this once a tick (`recognise`): enrolled sounds are matched on every tick's
audio latent; enrolled objects are looked for in the view every RECOGNISE_EVERY ticks (a sliding-
window search, recognition.py), named on the track they overlap or as a thing of their own. A
sighting is written at most once a second a name while it stays in view. People are never
enrolled: a box that holds a face is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from glasses_agent.context import Percept, TickContext
from glasses_agent.world_model import recognition as rec
from glasses_agent.world_model.objects import ObjectMemory

if TYPE_CHECKING:
    from glasses_agent.memory import MemoryStore

NS = 1_000_000_000
SIGHTING_EVERY_NS = NS  # at most one sighting a second per name while it stays in view
RECOGNISE_EVERY = 2  # ticks between looks for enrolled things (a sliding-window search)


class EnrolledThings:
    """Prototypes of what was enrolled (loaded from `memory` when given) and what was seen of them
    in the current scene (`seen`: name -> last place in work px, time, head pan, box)."""

    def __init__(self, memory: MemoryStore | None = None) -> None:
        self.memory = memory
        self.prototypes: dict[str, rec.Prototype] = {}
        self.recording = ""  # where sightings say they were made
        if memory is not None:
            for e in memory.enrollments():
                meta = e.meta or {}
                size = tuple(meta.get("size", (0.2, 0.2)))
                threshold = float(meta.get("threshold", rec.SOUND_THRESHOLD if e.modality == "sound" else rec.MIN_THRESHOLD))
                self.prototypes[e.name] = rec.Prototype(e.name, e.modality, np.asarray(e.prototype, np.float32), threshold, size)
        self.reset()

    def reset(self) -> None:
        """Forget what was seen (not what was enrolled): a new recording or session starts."""
        self.seen: dict[str, dict[str, Any]] = {}
        self._last_sighting_ns: dict[str, int] = {}

    def recognise(self, ctx: TickContext, grid: np.ndarray | None, image: np.ndarray | None,
                  objects: ObjectMemory, tick_index: int) -> tuple[dict, list[tuple[str, float]]]:
        """This tick's named things and heard sounds: {track id: (name, score)} for a track an
        enrolled object overlaps by more than half, {name: (name, score, box, t_ns)} for one found
        where no track was; [(sound name, score)]. Objects are looked for on every RECOGNISE_EVERY-th
        tick with a camera frame."""
        named: dict[Any, Any] = {}
        sounds: list[tuple[str, float]] = []
        if not self.prototypes:
            return named, sounds
        t_ns = ctx.tick.t_ns
        percept = ctx.percept
        if percept is not None and percept.has_audio:
            for p in self.prototypes.values():
                if p.modality == "sound" and p.vector.shape == percept.audio.shape:
                    score = float(rec._unit(percept.audio) @ p.vector)
                    if score >= p.threshold:
                        sounds.append((p.name, round(score, 4)))
        if image is None or tick_index % RECOGNISE_EVERY:
            return named, sounds
        tracks = {t.id: objects.box_fraction(t) for t in objects.visible_tracks()}
        found_names = []
        for p in self.prototypes.values():
            if p.modality != "object":
                continue
            hit = rec.find(p, image, grid, list(tracks.values()))
            if hit is None:
                continue
            score, box = hit
            owner = max(tracks, key=lambda k: rec._overlap(tracks[k], box), default=None)
            if owner is not None and rec._overlap(tracks[owner], box) > 0.5:
                named[owner] = (p.name, score)
            else:
                named[p.name] = (p.name, score, box, t_ns)
            found_names.append((p.name, score, box))
            w, h = objects.size
            self.seen[p.name] = {"x": (box[0] + box[2] / 2) * w, "y": (box[1] + box[3] / 2) * h, "t_ns": t_ns,
                                 "pan": objects.pan.copy(), "box": box}
        for name, score, box in found_names:
            self._write_sighting(name, score, box, t_ns, [n for n, _, _ in found_names if n != name])
        return named, sounds

    def _write_sighting(self, name: str, score: float, box: rec.Box, t_ns: int, nearby: list[str]) -> None:
        if self.memory is None:
            return
        last = self._last_sighting_ns.get(name)
        if last is not None and t_ns - last < SIGHTING_EVERY_NS:
            return
        self._last_sighting_ns[name] = t_ns
        context: dict[str, Any] = {"similarity": round(score, 3)}
        if nearby:
            context["nearby"] = nearby
        self.memory.add_sighting(name, t_ns, box=tuple(round(v, 4) for v in box), context=context, source=self.recording)

    def enroll_object(self, name: str, percept: Percept | None, box: rec.Box, image: np.ndarray | None) -> rec.Prototype:
        """Teach NAME from the thing inside `box` (fractions of the view) in `image`. A face is refused."""
        box = rec.check_box(box)
        if image is None or not image.size:
            raise rec.EnrollmentError(f"no camera frame to enroll {name!r} from")
        _refuse_faces(image, box, name)
        grid = rec.latent_grid(percept)
        vector = rec.object_descriptor(image, grid, box)
        threshold = rec.calibrate(image, grid, box, vector)
        meta = {"size": [box[2], box[3]], "threshold": threshold, "box": list(box), "latent": grid is not None}
        if self.memory is not None:
            enrolled = self.memory.enroll(name, "object", vector, meta)
            vector = np.asarray(enrolled.prototype, np.float32)
        prototype = rec.Prototype(name, "object", vector, threshold, (box[2], box[3]))
        self.prototypes[name] = prototype
        return prototype

    def enroll_sound(self, name: str, percepts: list[Percept], others: list[Percept] = ()) -> rec.Prototype:
        """Teach NAME from the audio of `percepts`; `others` (audio outside the span) set the threshold."""
        vector = rec.sound_descriptor(list(percepts))
        rivals = [float(rec._unit(p.audio) @ vector) for p in others if p.has_audio]
        threshold = float(min(0.98, max(rec.SOUND_THRESHOLD, max(rivals, default=0.0) + 0.02)))
        if self.memory is not None:
            self.memory.enroll(name, "sound", vector, {"threshold": threshold})
        prototype = rec.Prototype(name, "sound", vector, threshold, (0.0, 0.0))
        self.prototypes[name] = prototype
        return prototype


def _refuse_faces(image: np.ndarray, box: rec.Box, name: str) -> None:
    from glasses_agent.memory.privacy import detect_faces

    h, w = image.shape[:2]
    x, y, bw, bh = box
    for fx, fy, fw, fh in detect_faces(image):
        face = (fx / w, fy / h, fw / w, fh / h)
        if rec._overlap(face, box) > 0.3:
            raise rec.EnrollmentError(
                f"refusing to enroll {name!r}: the box holds a face, and people are never identified")
