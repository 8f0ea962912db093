"""What the memory store hands back: plain frozen records, each with a JSON-able `as_dict()`."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MODALITIES = ("object", "sound")
VERDICTS = ("helpful", "dismissed")


@dataclass(frozen=True)
class Sighting:
    """Where and when a labelled thing was seen.

    `box` is (x, y, w, h) and `position` (x, y), both normalised to the view (0..1, origin top
    left). `t_ns` is stream time within `source` (a recording or session id); `wall_time` is
    seconds since the epoch, the only clock comparable across sessions. `context` says what else
    was there; by convention `context["nearby"]` lists the labels seen beside it.
    """

    id: int
    label: str
    t_ns: int
    wall_time: float
    box: tuple[float, float, float, float]
    position: tuple[float, float]
    context: dict[str, Any]
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "t_ns": self.t_ns,
            "wall_time": self.wall_time,
            "box": list(self.box),
            "position": list(self.position),
            "context": self.context,
            "source": self.source,
        }


@dataclass(frozen=True)
class Enrollment:
    """A thing the wearer taught the agent: the running mean of its latent prototypes."""

    name: str
    modality: str
    prototype: np.ndarray = field(repr=False)  # float32, shape (dim,)
    count: int
    meta: dict[str, Any]
    created_wall: float
    updated_wall: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "modality": self.modality,
            "prototype": [float(v) for v in self.prototype],
            "count": self.count,
            "meta": self.meta,
            "created_wall": self.created_wall,
            "updated_wall": self.updated_wall,
        }


@dataclass(frozen=True)
class Feedback:
    """The wearer's verdict on one prompt, with the context (mode, place...) it was given in."""

    id: int
    prompt_id: str
    kind: str
    verdict: str
    context: str
    t_ns: int
    wall_time: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "prompt_id": self.prompt_id,
            "kind": self.kind,
            "verdict": self.verdict,
            "context": self.context,
            "t_ns": self.t_ns,
            "wall_time": self.wall_time,
        }


@dataclass(frozen=True)
class Thumbnail:
    """A kept frame (opt-in only), faces already blurred, as JPEG."""

    id: int
    label: str
    t_ns: int
    wall_time: float
    width: int
    height: int
    faces_blurred: int
    jpeg: bytes = field(repr=False)

    def image_rgb(self) -> np.ndarray:
        from glasses_agent.memory.privacy import decode_thumbnail

        return decode_thumbnail(self.jpeg)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "t_ns": self.t_ns,
            "wall_time": self.wall_time,
            "width": self.width,
            "height": self.height,
            "faces_blurred": self.faces_blurred,
            "jpeg_base64": base64.b64encode(self.jpeg).decode("ascii"),
        }


@dataclass(frozen=True)
class LabelSummary:
    """One remembered name: how often and when it was last seen, and whether it is enrolled."""

    label: str
    sightings: int
    last_wall: float | None
    enrolled: str | None  # the enrollment's modality, or None for a label only ever detected

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "sightings": self.sightings, "last_wall": self.last_wall, "enrolled": self.enrolled}
