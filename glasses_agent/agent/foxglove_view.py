"""The agent's mind in Foxglove's own message types, so its panels draw it without a plug-in.

- `image_annotations`: the world model's entities (boxes, labelled), the place of the surprise
  (a circle sized by its z-score) and the looming box, as `foxglove.ImageAnnotations` in the
  camera image's pixels, stamped with that image's time so the Image panel lays them over it;
- `prompt_log`: a prompt as a `foxglove.Log` line (safety prompts as warnings) for the Log panel;
- `tick_metrics`: plot-friendly numbers per tick (surprise z, tick latency, counts) for Plot.

docs/foxglove-layout.json opens these panels on a recording made with `--record-out`.
"""

from __future__ import annotations

from typing import Any

from foxglove_schemas_protobuf.CircleAnnotation_pb2 import CircleAnnotation
from foxglove_schemas_protobuf.Color_pb2 import Color
from foxglove_schemas_protobuf.ImageAnnotations_pb2 import ImageAnnotations
from foxglove_schemas_protobuf.Log_pb2 import Log
from foxglove_schemas_protobuf.Point2_pb2 import Point2
from foxglove_schemas_protobuf.PointsAnnotation_pb2 import PointsAnnotation
from foxglove_schemas_protobuf.TextAnnotation_pb2 import TextAnnotation

from glasses_agent.context import TickContext
from glasses_agent.prompts import PRIORITY_HIGH, PRIORITY_SAFETY, Prompt

NS_PER_S = 1_000_000_000

# Colours by what is drawn: tracked things green, people blue, QR cards yellow, hidden ones grey.
_KIND_COLOURS = {"person": (0.25, 0.55, 1.0), "qr": (1.0, 0.85, 0.1)}
_OBJECT = (0.2, 0.9, 0.3)
_HIDDEN = (0.6, 0.6, 0.6)
_SURPRISE = (1.0, 0.2, 0.6)
_LOOMING = (1.0, 0.45, 0.0)
_TEXT_BACKGROUND = Color(r=0.0, g=0.0, b=0.0, a=0.6)

METRICS_SCHEMA: dict[str, Any] = {
    "title": "glasses_agent.TickMetrics",
    "description": "Per-tick numbers to plot: the world model's surprise and the agent's latency",
    "type": "object",
    "properties": {
        "t_ns": {"type": "integer", "description": "the tick's time on the stream's monotonic timeline"},
        "tick": {"type": "integer"},
        "surprise_z": {"type": "number", "description": "prediction error as a z-score (0 without a world model)"},
        "tick_latency_ms": {"type": "number", "description": "wall time the agent's stages took on this tick"},
        "entities": {"type": "integer", "description": "entities the world model holds"},
        "visible_entities": {"type": "integer"},
        "looming_score": {"type": "number", "description": "0..1, the stronger looming cue (0: none)"},
        "proposals": {"type": "integer"},
        "prompts": {"type": "integer"},
    },
    "required": ["t_ns", "tick", "surprise_z", "tick_latency_ms", "entities", "visible_entities",
                 "looming_score", "proposals", "prompts"],
}


def _stamp(message: Any, wall_ns: int) -> None:
    message.timestamp.seconds, message.timestamp.nanos = divmod(wall_ns, NS_PER_S)


def _colour(rgb: tuple[float, float, float], a: float = 1.0) -> Color:
    return Color(r=rgb[0], g=rgb[1], b=rgb[2], a=a)


def _box(out: ImageAnnotations, box: tuple[float, ...], size: tuple[int, int], rgb: tuple[float, float, float],
         label: str, wall_ns: int, thickness: float = 2.0) -> None:
    """A box given as fractions (x, y, w, h) of the view, outlined and labelled in pixels."""
    w, h = size
    x0, y0 = box[0] * w, box[1] * h
    x1, y1 = (box[0] + box[2]) * w, (box[1] + box[3]) * h
    outline = out.points.add(type=PointsAnnotation.LINE_LOOP, outline_color=_colour(rgb), thickness=thickness)
    _stamp(outline, wall_ns)
    outline.points.extend([Point2(x=x0, y=y0), Point2(x=x1, y=y0), Point2(x=x1, y=y1), Point2(x=x0, y=y1)])
    text = out.texts.add(position=Point2(x=x0, y=max(0.0, y0 - 2)), text=label, font_size=12.0,
                         text_color=_colour(rgb), background_color=_TEXT_BACKGROUND)
    _stamp(text, wall_ns)


def image_annotations(ctx: TickContext, wall_ns_of: Any) -> ImageAnnotations | None:
    """What the agent sees in this tick's newest camera image; None when the tick has no image.
    `wall_ns_of(t_ns)` gives the recording's log time of a stream time (the image's stamp)."""
    frame = ctx.tick.latest_video
    if frame is None or not frame.width or not frame.height:
        return None
    size = (frame.width, frame.height)
    wall_ns = wall_ns_of(frame.t_ns)  # the image's own stamp: Foxglove pairs annotations with it
    out = ImageAnnotations()
    _stamp(out, wall_ns)
    world = ctx.world
    if world is not None:
        for e in world.entities:
            rgb = _KIND_COLOURS.get(e.kind, _OBJECT) if e.visible else _HIDDEN
            label = f"{e.name or e.kind} #{e.id}" + (f" approach {e.approach:+.2f}/s" if e.approach > 0 else "")
            _box(out, e.box, size, rgb, label, wall_ns)
        if world.surprise_where is not None:
            x, y = world.surprise_where[0] * size[0], world.surprise_where[1] * size[1]
            diameter = min(max(size) / 2, 12.0 * (1.0 + max(0.0, world.surprise)))
            circle = out.circles.add(position=Point2(x=x, y=y), diameter=diameter, thickness=3.0,
                                     outline_color=_colour(_SURPRISE), fill_color=_colour(_SURPRISE, 0.15))
            _stamp(circle, wall_ns)
            text = out.texts.add(position=Point2(x=x + diameter / 2, y=y), text=f"surprise z={world.surprise:.1f}",
                                 font_size=12.0, text_color=_colour(_SURPRISE), background_color=_TEXT_BACKGROUND)
            _stamp(text, wall_ns)
    looming = ctx.detections.looming if ctx.detections is not None else None
    if looming is not None:
        _box(out, looming.box, size, _LOOMING, f"looming {looming.score:.2f}", wall_ns, thickness=3.0)
    return out


def prompt_log(prompt: Prompt, wall_ns: int) -> Log:
    """A prompt as a Log line: safety prompts are warnings, the rest info (high ones marked "!")."""
    level = Log.WARNING if prompt.priority >= PRIORITY_SAFETY else Log.INFO
    prefix = "!" if prompt.priority >= PRIORITY_HIGH else ""
    log = Log(level=level, name="glasses_agent.prompts", message=f"{prefix}{prompt.kind}: {prompt.text}",
              file=prompt.id, line=0)
    _stamp(log, wall_ns)
    return log


def tick_metrics(ctx: TickContext, tick_latency_ms: float) -> dict[str, Any]:
    """The numbers of this tick that a Plot panel draws as lines (see METRICS_SCHEMA)."""
    world = ctx.world
    looming = ctx.detections.looming if ctx.detections is not None else None
    entities = world.entities if world is not None else ()
    return {
        "t_ns": ctx.t_ns,
        "tick": ctx.tick.index,
        "surprise_z": round(float(world.surprise), 4) if world is not None else 0.0,
        "tick_latency_ms": round(tick_latency_ms, 3),
        "entities": len(entities),
        "visible_entities": sum(1 for e in entities if e.visible),
        "looming_score": round(float(looming.score), 4) if looming is not None else 0.0,
        "proposals": len(ctx.proposals),
        "prompts": len(ctx.prompts),
    }
