"""More noise beds for the alarm and siren rules than the split's one tuning bed (the dishes).

The tuning half of splits.toml has a single noise bed, so no rule was checked against machinery,
traffic or a crowd before it landed (issue 18: the reporting bed, an exercise bike, showed it). Two
kinds of beds, neither in the repository nor in the shared data:

- *packaged*: real recordings from Debian's `lincity-ng-data` (sound effects dual-licensed GPL-2+ /
  CC BY-SA 2.0, Debian ships them under the GPL), fetched the way a user would (`apt-get download`,
  `dpkg-deb -x`) into a cache folder, and laid end to end by family: machinery, traffic (road, rail,
  harbour), a crowd (stadium, market, streets), wind and water. The joins cross-fade over a second at
  equal power, so no join switches a tone on (a splice would: a machine's steady whine starting
  at full level in one frame, which no running machine does);
- *synthetic*: made here, deterministic, documented as synthetic: an engine's harmonic series whose
  speed wanders (its partials moving together), a fan's blade-pass tone with the beats of a second fan,
  and a motor's whine whose speed a load cycle wobbles about once a second (an exercise bike's flywheel).

    glasses-agent eval sounds --half tuning --beds     # the tuning half's mixes over each bed too, per bed
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from glasses_agent import cache
from tools.evals import debian_packages

SR = 16_000
PACKAGE = "lincity-ng-data"
SOUNDS_IN_PACKAGE = "usr/share/games/lincity-ng/sounds"
# Each packaged bed: the package's recordings of one kind, in this order (none of a siren, a bell or a horn:
# the fire station, the health centre, the school and the rocket sites are left out).
FAMILIES = {
    "lincity_industry": ["IndustryHigh1", "IndustryHigh2", "IndustryHigh3", "IndustryLight1", "IndustryLight2",
                         "IndustryLight3", "PowerCoalEmpty", "PowerCoalLow", "PowerCoalMed", "PowerCoalFull", "Mill1",
                         "Mill2", "Mill3", "OreMine1", "OreMine2", "OreMine3", "CoalMine1", "CoalMine2", "CoalMine3",
                         "Recycle1", "Recycle2", "Recycle3"],
    "lincity_traffic": ["TraficHigh1", "TraficHigh2", "TraficHigh3", "TraficLow1", "TraficLow2", "TraficLow3",
                        "RailTrain1", "RailTrain2", "RailTrain3", "DirtTrack1", "DirtTrack2", "DirtTrack3", "Harbor1",
                        "Harbor2", "Harbor3"],
    "lincity_crowd": ["SportsCroud1", "SportsCroud2", "SportsCroud3", "MarketEmpty1", "MarketLow1", "MarketMed1",
                      "MarketFull1", "ResidentialHigh1", "ResidentialHigh2", "ResidentialHigh3", "ResidentialMed1",
                      "ResidentialMed2", "ResidentialMed3"],
    "lincity_wind_water": ["WindMill1", "WindMill2", "WindMill3", "WindMillHTech2", "Water1", "Water2", "Water3",
                           "Water4", "Water5", "ParklandLake1", "ParklandLake2", "Green1", "Green2", "Green3", "Green4"],
}
SYNTHETIC = ("synth_engine", "synth_fan", "synth_whine")
CROSSFADE_S = 1.0
BED_RMS = 0.05  # each recording brought to this before joining (the dishes bed's RMS is 0.037)
SYNTH_S = 120.0
PACKAGED_S = 120.0  # at least (two mixes' length, so that mixes draw different stretches)


def cache_dir() -> Path:
    """Where the beds are kept: $GLASSES_AGENT_CACHE/noise-beds (glasses_agent.cache)."""
    return cache.cache_dir("noise-beds")


def packaged_beds(folder: Path | None = None, fetch: bool = True) -> list[Path]:
    """The packaged beds' files, built into `folder` (default cache_dir()) from the Debian package, fetched
    with apt-get if `fetch` and not there yet; [] where the package cannot be had (no apt, no network)."""
    folder = folder or cache_dir()
    beds = [folder / f"{name}.wav" for name in FAMILIES]
    if all(b.exists() for b in beds):
        return beds
    sounds = folder / PACKAGE / SOUNDS_IN_PACKAGE
    if not sounds.is_dir():
        if not fetch:
            return []
        folder.mkdir(parents=True, exist_ok=True)
        if not debian_packages.unpack(PACKAGE, folder / PACKAGE):
            return []
    for name, files in FAMILIES.items():
        parts = [_load(sounds / f"{f}.wav") for f in files]
        # Round again until PACKAGED_S: a mix draws its stretch from the whole bed, and a bed shorter than
        # a mix would be tiled with a hard join (a splice that switches every steady tone on at once).
        rounds = int(np.ceil(PACKAGED_S / (sum(len(x) for x in parts) / SR - len(parts) * CROSSFADE_S)))
        _write(folder / f"{name}.wav", _joined(parts * rounds))
    return beds


def synthetic_beds(folder: Path | None = None) -> list[Path]:
    """The synthetic beds' files (made if missing; deterministic)."""
    folder = folder or cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in SYNTHETIC:
        path = folder / f"{name}.wav"
        if not path.exists():
            _write(path, synthetic(name))
        out.append(path)
    return out


def synthetic(name: str, seconds: float = SYNTH_S, seed: int = 7) -> np.ndarray:
    """One synthetic bed as float samples at BED_RMS (see the module doc)."""
    rng = np.random.default_rng([seed, SYNTHETIC.index(name)])
    n = int(seconds * SR)
    t = np.arange(n) / SR
    if name == "synth_engine":
        f0 = _wander(rng, n, 1.5, 70.0, 140.0)  # revs rising and falling over seconds
        phase = 2 * np.pi * np.cumsum(f0) / SR
        x = sum((1 + 0.3 * np.sin(0.37 * k)) / k * np.sin(k * phase + rng.uniform(0, 2 * np.pi)) for k in range(1, 48))
        x = x + 0.15 * _pink(rng, n)
    elif name == "synth_fan":
        x = np.zeros(n)
        for rev in (31.0, 31.05):  # 7 blades; the two fans' blade-pass tones beat 0.35 times a second
            blade = 7 * rev * (1 + 0.002 * np.sin(2 * np.pi * 0.05 * t + rng.uniform(0, 2 * np.pi)))
            phase = 2 * np.pi * np.cumsum(blade) / SR
            x += sum(0.6 ** (k - 1) * np.sin(k * phase) for k in range(1, 16))
        x += 0.1 * np.sin(2 * np.pi * np.cumsum(2600.0 * (1 + 0.005 * np.sin(2 * np.pi * 0.03 * t))) / SR)  # bearing
        x = x + 0.3 * _pink(rng, n)
    elif name == "synth_whine":
        stroke = 2 * np.pi * np.cumsum(_wander(rng, n, 4.0, 0.8, 1.3)) / SR  # pedal strokes, ~1 a second
        speed = _wander(rng, n, 3.0, 0.9, 1.1) * (1 + 0.02 * np.sin(stroke))
        phase = 2 * np.pi * np.cumsum(1400.0 * speed) / SR
        x = (1 + 0.5 * np.sin(stroke + 1)) * (np.sin(phase) + 0.4 * np.sin(2 * phase) + 0.3 * np.sin(23 / 7 * phase))
        x = x + 0.5 * _pink(rng, n)
    else:
        raise ValueError(f"no synthetic bed {name!r}; one of {', '.join(SYNTHETIC)}")
    return x / np.sqrt(np.mean(x ** 2)) * BED_RMS


def _load(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SR)
        x = np.concatenate([out.to_ndarray().reshape(-1) for frame in container.decode(audio=0)
                            for out in resampler.resample(frame)])
    return x.astype(np.float64) / (np.sqrt(np.mean(x.astype(np.float64) ** 2)) + 1e-12) * BED_RMS


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    fade = int(CROSSFADE_S * SR)
    ramp = np.sin(np.linspace(0, np.pi / 2, fade))  # equal power: the join neither dips nor swells
    out = parts[0]
    for x in parts[1:]:
        out = np.concatenate([out[:-fade], out[-fade:] * ramp[::-1] + x[:fade] * ramp, x[fade:]])
    return out


def _wander(rng: np.random.Generator, n: int, step_s: float, lo: float, hi: float) -> np.ndarray:
    """A smooth random walk between lo and hi, a new point every step_s."""
    k = int(n / (step_s * SR)) + 2
    points = np.clip(np.cumsum(rng.normal(0, 0.25, k)), -1, 1)
    return lo + (hi - lo) * (np.interp(np.arange(n), np.linspace(0, n, k), points) + 1) / 2


def _pink(rng: np.random.Generator, n: int) -> np.ndarray:
    spectrum = np.fft.rfft(rng.normal(0, 1, n))
    f = np.fft.rfftfreq(n, 1 / SR)
    spectrum[1:] /= np.sqrt(f[1:])
    spectrum[0] = 0
    x = np.fft.irfft(spectrum, n)
    return x / x.std()


def _write(path: Path, x: np.ndarray) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(np.clip(x * 32767, -32768, 32767).astype(np.int16).tobytes())
