"""The scenario catalogue: generated scenes and shared clips with scripted events, and what a good
agent says in each.

Generated scenes need nothing but this package (streams' synthetic source plus overlays);
`shared:` scenarios use clips from ../shared/data and are skipped where it is absent.
Expectations come from two places the agent never sees: the synthetic source's truth channel
(an object that approaches -> hazard) and the overlays' scripts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from glasses_agent.errors import GlassesAgentError
from glasses_agent.memory.describe import clock_hour
from glasses_agent.scoring.overlays import Appears, Darkness, Expected, Looming, OverlaySource, QrCard, Voice
from glasses_agent.scoring.speechlike import speech_like
from streams.frames import NS_PER_S, TruthEvent

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
NEAR = 0.25  # an approaching object taller than this share of the view is a hazard
HAZARD_GROWTH = 0.15  # ...while its size grows at least this fast (per second)


class UnknownScenarioError(GlassesAgentError, KeyError):
    """A scenario name the suite does not know."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass
class Scenario:
    """A named scene for the suite: its source with overlays, duration, and any expectations beyond the
    overlays'."""

    name: str
    source: OverlaySource
    duration_s: float
    notes: str = ""
    expected_extra: list[Expected] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int] | None:
        """(width, height) of a generated scene's frames (its truth boxes are in pixels)."""
        scene = getattr(self.source.base, "scene", None)
        return (scene.width, scene.height) if scene is not None else None

    def expectations(self) -> tuple[list[Expected], list[Expected]]:
        """(required, optional) expectations; call after the source has been run (truth is read then)."""
        size = self.size
        hazards = hazards_from_truth(self.source.truth, self.duration_s, size) if size else []
        required = self.source.expected() + self.expected_extra + hazards
        return required, surprises_from_truth(self.source.truth) + self.source.excused()


def hazards_from_truth(truth: list[TruthEvent], duration_s: float, size: tuple[int, int]) -> list[Expected]:
    """One hazard per approaching object, from the first frame it is near (taller than NEAR)."""
    w, h = size
    onset: dict[int, int] = {}
    tracks: dict[int, list[tuple[int, int]]] = {}
    for ev in truth:
        if ev.name != "scene":
            continue
        for obj in ev.data.get("objects", []):
            if not obj.get("approaching") or not obj.get("visible"):
                continue
            x0, y0, x1, y1 = obj["visible_bbox"]
            if (y1 - y0) / h >= NEAR:
                onset.setdefault(obj["id"], ev.t_ns)
                tracks.setdefault(obj["id"], []).append((ev.t_ns, clock_hour(obj["center"][0] / w)))
    end = int((duration_s + 1.0) * NS_PER_S)
    return [Expected("hazard", t, end, clock_track=tuple(tracks[oid]), what=f"object {oid} approaching")
            for oid, t in sorted(onset.items())]


def surprises_from_truth(truth: list[TruthEvent]) -> list[Expected]:
    """Where a surprise prompt would be right (not required: it needs the world model)."""
    kinds = ("object_enters", "object_vanishes", "reappears")
    return [Expected("surprise", ev.t_ns, ev.t_ns + 3 * NS_PER_S) for ev in truth if ev.name in kinds]


def _synthetic(scenario: str, seed: int, duration_s: float, size: tuple[int, int] = (160, 120)):  # noqa: ANN202
    from streams.sources.synthetic import SyntheticSource

    return SyntheticSource(seed=seed, duration_s=duration_s, scenario=scenario, size=size)


def _shared(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.exists():
        raise GlassesAgentError(f"{path}: missing (the shared: scenarios need ../shared/data)")
    return path


def _media(name: str, *, imu: bool = True):  # noqa: ANN202
    from streams.sources.media_file import MediaFileSource

    path = _shared(f"video/{name}")
    imu_csv = path.with_suffix(".imu.csv")
    return MediaFileSource(path, imu_csv=imu_csv if imu and imu_csv.exists() else None)


def _speech_file(name: str, seconds: float) -> Any:
    import av
    import numpy as np

    path = _shared(f"audio/{name}")
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=16_000)
        chunks = []
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
    samples = np.concatenate(chunks).astype(np.int16)
    return samples[: int(seconds * 16_000)]


def build(name: str, seed: int = 0, duration_s: float | None = None) -> Scenario:
    try:
        builder, default_s = CATALOGUE[name]
    except KeyError:
        raise UnknownScenarioError(f"unknown scenario {name!r}; expected one of {', '.join(CATALOGUE)}") from None
    return builder(seed, duration_s or default_s)


def scenario_source(name: str, seed: int = 0, duration_s: float | None = None) -> OverlaySource:
    return build(name, seed, duration_s).source


# -- generated ---------------------------------------------------------------------------------


def _approach(seed: int, d: float) -> Scenario:
    return Scenario("approach", OverlaySource(_synthetic("approach", seed, d)), d, "an object looms at the wearer")


def _quiet(seed: int, d: float) -> Scenario:
    return Scenario("quiet", OverlaySource(_synthetic("quiet", seed, d)), d, "nothing happens: any prompt is a false alarm")


def _occlusion(seed: int, d: float) -> Scenario:
    return Scenario("occlusion", OverlaySource(_synthetic("occlusion", seed, d)), d, "an object passes behind a bar")


def _read(seed: int, d: float) -> Scenario:
    overlays = [QrCard(0.2 * d, 0.45 * d, f"ROOM {100 + seed}", x=0.75), QrCard(0.6 * d, 0.85 * d, f"EXIT {seed}", x=0.3)]
    return Scenario("read", OverlaySource(_synthetic("quiet", seed, d, (320, 240)), overlays), d, "two QR cards held up")


def _dark(seed: int, d: float) -> Scenario:
    return Scenario("dark", OverlaySource(_synthetic("quiet", seed, d), [Darkness(0.4 * d, 0.8 * d)]), d, "the light goes out")


def _talk(seed: int, d: float) -> Scenario:
    voices = [Voice(0.15 * d, speech_like(2.0, seed)), Voice(0.7 * d, speech_like(2.0, seed + 1))]
    return Scenario("talk", OverlaySource(_synthetic("quiet", seed, d), voices), d, "someone speaks, twice")


def _demo(seed: int, d: float) -> Scenario:
    """The README's first run: a walk with a QR card, a voice, a dark spell and something flying at you."""
    f = d / 16.0
    overlays = [
        QrCard(2.0 * f, 5.0 * f, "PLATFORM 4", x=0.75),
        Voice(6.0 * f, speech_like(2.0, seed)),
        Darkness(9.0 * f, 11.0 * f),
        Looming(12.0 * f, 15.0 * f, x0=0.3, x1=0.45),
    ]
    return Scenario("demo", OverlaySource(_synthetic("quiet", seed, d, (320, 240)), overlays), d, "the demo walk")


def _violation(violation: str, what: str) -> Callable[[int, float], Scenario]:
    """An IntPhys-style implausible clip (streams' pairs, held-out "test" split, seeds 200 on, apart
    from the `eval surprise` pairs and the tests' own): a surprise is due where and when the
    violation shows, within 2 s."""

    def build_violation(seed: int, d: float) -> Scenario:
        from streams.sources.synthetic import SyntheticSource
        from streams.sources.synthetic.pairs import make_pair

        pair = make_pair(violation, 200 + seed, split="test", duration_s=d)
        onset = int(round(pair.reveal_s * NS_PER_S))
        expected = Expected("surprise", onset, onset + 2 * NS_PER_S, clock=clock_hour(pair.where[0]), what=what)
        source = SyntheticSource(scene=pair.implausible, duration_s=d, fps=pair.fps)
        return Scenario(violation, OverlaySource(source), d, what, expected_extra=[expected])

    return build_violation


# -- shared clips with scripted overlays -------------------------------------------------------


def _gopro_looming(seed: int, d: float) -> Scenario:
    x0 = (0.2, 0.8, 0.35, 0.65)[seed % 4]
    overlay = Looming(3.0, 6.5, x0=x0, x1=0.5 + (x0 - 0.5) * 0.5)
    return Scenario("gopro+looming", OverlaySource(_media("gopro_max-heromode.mp4"), [overlay]), 10.5,
                    "the gopro walk with a disc flying at the wearer")


def _gopro_speech(seed: int, d: float) -> Scenario:
    voice = Voice(2.0, _speech_file("speech/cmu_arctic_us_aew_a0001.wav", 4.0), label="arctic a0001")
    return Scenario("gopro+speech", OverlaySource(_media("gopro_max-heromode.mp4"), [voice]), 10.5,
                    "the gopro walk with a sentence spoken into the audio")


def _gopro_siren(seed: int, d: float) -> Scenario:
    siren = Voice(1.0, _speech_file("sounds/tuxpaint_firetruck.ogg", 8.0), gain=0.8, label="siren", is_speech=False)
    return Scenario("gopro+siren", OverlaySource(_media("gopro_max-heromode.mp4"), [siren]), 10.5,
                    "a fire truck's siren: not speech, so no speech prompt")


def _gopro_appears(seed: int, d: float) -> Scenario:
    x = (0.25, 0.75, 0.4, 0.6)[seed % 4]
    start = 2.5 + 1.5 * (seed % 3)
    overlay = Appears(start, start + 3.0, x=x, y=(0.45, 0.6)[seed % 2])  # gone before the turn at 10 s
    return Scenario("gopro+appears", OverlaySource(_media("gopro_max-heromode.mp4"), [overlay]), 10.5,
                    "the gopro walk with a red block appearing out of nowhere")


def _clip(name: str, imu: bool = True) -> Callable[[int, float], Scenario]:
    def build_clip(seed: int, d: float) -> Scenario:
        return Scenario(f"clip:{name}", OverlaySource(_media(name, imu=imu)), d,
                        "unaltered clip" + ("" if imu else ", without its IMU"))

    return build_clip


CATALOGUE: dict[str, tuple[Callable[[int, float], Scenario], float]] = {
    "approach": (_approach, 10.0),
    "quiet": (_quiet, 10.0),
    "occlusion": (_occlusion, 10.0),
    "read": (_read, 10.0),
    "dark": (_dark, 10.0),
    "talk": (_talk, 10.0),
    "demo": (_demo, 16.0),
    "vanish": (_violation("permanence", "a thing goes behind a bar and never comes out"), 6.0),
    "jump": (_violation("continuity", "a thing hidden behind a bar shows up far beyond it at once"), 6.0),
    "shared:gopro+looming": (_gopro_looming, 10.5),
    "shared:gopro+speech": (_gopro_speech, 10.5),
    "shared:gopro+siren": (_gopro_siren, 10.5),
    "shared:gopro+appears": (_gopro_appears, 10.5),
    "shared:gopro": (_clip("gopro_max-heromode.mp4"), 10.5),
    "shared:gopro-noimu": (_clip("gopro_max-heromode.mp4", imu=False), 10.5),  # glasses without an IMU
    "shared:vtest": (_clip("vtest.avi"), 79.5),
    "shared:sam2": (_clip("sam2_04_coffee.mp4"), 9.6),
}
