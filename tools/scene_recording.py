"""Generated scenes into MCAP for `record --synthetic`, `tour` and the benchmarks.

Two catalogues: streams' synthetic scenarios (moving shapes, sounds, head motion: the substrate's
test scenes, which seldom call for a prompt) and the scoring catalogue's generated scenes, which
script what each kind of prompt answers (a QR card, a dark spell, a voice, something looming).
A generated recording starts on a fixed date (`GENERATED_START_NS`), so recording one scene with
one seed twice gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# The scoring catalogue's generated scenes, with what they are for (`record --help` lists them).
PROMPT_SCENES = {
    "demo": "the README's walk: a QR card, a voice, a dark spell, something flying at you (every kind)",
    "read": "two QR cards held up (read prompts)",
    "dark": "the light goes out (low-light prompt)",
    "talk": "someone speaks, twice (speech prompts)",
    "vanish": "a thing goes behind a bar and never comes out (surprise)",
    "jump": "a thing hidden behind a bar shows up far beyond it (surprise)",
}
# streams' own scenarios (approach also has a hazard for the agent to warn about).
SUBSTRATE_SCENES = {
    "approach": "an object looms at the wearer (hazard)",
    "mixed": "shapes bounce, pass behind a bar, approach; sounds (the substrate's test scene)",
    "occlusion": "an object crosses behind a bar",
    "quiet": "nothing happens: any prompt is a false alarm",
}
SCENES = {**PROMPT_SCENES, **SUBSTRATE_SCENES}


def scene_help() -> str:
    return "generate a scene: " + "; ".join(f"{name}: {what}" for name, what in SCENES.items())


def scene_source(name: str, *, seed: int, duration_s: float | None) -> Any:
    """The frames of generated scene `name` (see SCENES); `duration_s` None: the scene's own length."""
    if name in PROMPT_SCENES:
        from glasses_agent.scoring.scenes import scenario_source

        return scenario_source(name, seed=seed, duration_s=duration_s)
    from streams.sources.synthetic import SyntheticSource

    return SyntheticSource(seed=seed, duration_s=duration_s or 10.0, scenario=name)


def record_scene(out: Path, *, scene: str, seed: int, duration_s: float | None) -> int:
    """Write scene `scene` into the MCAP file `out`; returns the number of messages."""
    from streams.recording import McapRecorder
    from streams.recording.writer import FROM_GENERATED, GENERATED_START_NS

    count = 0
    with McapRecorder(out, start_wall_ns=GENERATED_START_NS, start_wall_from=FROM_GENERATED) as recorder:
        for frame in scene_source(scene, seed=seed, duration_s=duration_s).frames():
            recorder.write(frame)
            count += 1
    return count


def recording_start(source: Any, live: Any = None) -> dict[str, Any]:
    """The wall clock a recording made from `source` starts at, and where that came from, as
    McapRecorder's `start_wall_ns` / `start_wall_from`: a replayed recording's own start (so a
    re-recording keeps the capture date), a media file's capture date, the fixed date for a
    generated scene, and now for live devices."""
    from streams.recording.writer import FROM_GENERATED, GENERATED_START_NS
    from streams.sources.synthetic import SyntheticSource

    if live:
        return {"start_wall_ns": None, "start_wall_from": None}
    start = getattr(source, "wall_clock_start_ns", None)
    if start is not None:
        came_from = getattr(source, "wall_clock_start_from", None) or "the recording it was made from"
        return {"start_wall_ns": start, "start_wall_from": came_from}
    base = getattr(source, "base", source)  # a scoring scene wraps the synthetic source in overlays
    if isinstance(base, SyntheticSource):
        return {"start_wall_ns": GENERATED_START_NS, "start_wall_from": FROM_GENERATED}
    return {"start_wall_ns": None, "start_wall_from": None}
