"""Real recordings of a dog barking (and a knock, a doorbell) from Debian packages that ship sounds.

The shared data holds one dog (tuxpaint_dog, a tuning file), too few to judge a bark detector on
(issue 18: "for each kind with at least two independent real recordings"). These packages ship
more; each file is fetched the way a user would (`apt-get download`, `dpkg-deb -x`) into
$GLASSES_AGENT_CACHE/sound-packages (glasses_agent.cache), never into the repository,
and named `<package>_<file>` there so that two packages' `dog.wav` stay apart. splits.toml's
`[packaged_sounds]` table says which tune and which report (by those names).

Independence was checked without listening: durations, bursts and fundamentals differ between
every pair kept (budgie-control-center-data and ukui-media ship a bark.ogg of the same name, most likely
mate-media-common's: they were not fetched to compare, and only mate's is taken). scratch's two
dogs share a package and may be one animal: both are tuning. The barks3 round added three packages' dogs
to the tuning half (lugaru-data's four, qabcs-data's dog.ogg, scorched3d-data's three; qabcs's dogmatix.ogg, a
2.5 s whine, and both packages' wolf howls were left out): no two of all the dogs correlate over 0.41 at any
alignment or speed within 0.7-1.45x (a copy would be near 1; the closest pair is scorched3d's dog.wav and
trophy's, 0.36, 0.41 at 1.01x; the median pair 0.13: /work/scratch/barks3/copies.py where it was run).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from glasses_agent import cache
from tools.evals import debian_packages


@dataclass(frozen=True)
class PackagedSound:
    """One recording inside a Debian package: where it lies there, what kind of sound it is, its licence."""

    package: str
    path: str  # inside the package
    kind: str  # the alert kind it is (`kinds()`, which the eval passes to sound_eval.evaluate)
    licence: str  # as the package's /usr/share/doc/<package>/copyright gives it for this file

    @property
    def name(self) -> str:
        return f"{self.package}_{Path(self.path).name}"


def _dogs(package: str, folder: str, files: tuple[str, ...], licence: str) -> tuple[PackagedSound, ...]:
    """Barks of one package (likely one animal: they stay in one half together)."""
    return tuple(PackagedSound(package, f"{folder}/{name}", "dog", licence) for name in files)


SOUNDS = (
    *_dogs("scratch", "usr/share/scratch/Media/Sounds/Animal", ("Dog1.wav", "Dog2.wav"), "CC-BY-SA-3.0 (Media/*, MIT Scratch)"),
    PackagedSound("trophy-data", "usr/share/games/trophy/sounds/dog.wav", "dog", "GPL-2"),
    PackagedSound("etw-data", "usr/share/games/etw/snd/dog.wav", "dog", "GPL-2+"),
    PackagedSound("mate-media-common", "usr/share/sounds/mate/default/alerts/bark.ogg", "dog",
                  "GPL-2+ (the package's; its copyright file names no stanza of its own for the sounds)"),
    # The barks3 round's tuning dogs (three more packages, so that a detector learns "dog" from more than
    # three recordings).
    *_dogs("lugaru-data", "usr/share/games/lugaru/Sounds", ("Bark.ogg", "Bark2.ogg", "Bark3.ogg", "BarkGrowl.ogg"),
           "CC-BY-SA-3.0 (Data/*, Wolfire Games)"),
    PackagedSound("qabcs-data", "usr/share/qabcs/abcs/all/noises/dog.ogg", "dog", "GPL-3+ (Files: *, DanSoft)"),
    *_dogs("scorched3d-data", "usr/share/games/scorched3d/data/globalmods/apoc/data/wav/misc", ("dog.wav", "dog2.wav", "dog3.wav"),
           "CC-BY-SA-3 (data/globalmods/apoc/*, Apocalypse mod team)"),
    PackagedSound("orage-data", "usr/share/orage/sounds/Knock.wav", "knock", "GPL-2+"),
    PackagedSound("qgo", "usr/share/qgo/sounds/doorbell.wav", "doorbell", "GPL-2+"),
)


def cache_dir() -> Path:
    """$GLASSES_AGENT_CACHE/sound-packages (glasses_agent.cache)."""
    return cache.cache_dir("sound-packages")


def kinds() -> dict[str, str]:
    """Each packaged recording's file stem -> its alert kind (for sound_eval's `kinds`)."""
    return {Path(s.name).stem: s.kind for s in SOUNDS}


def fetched(folder: Path | None = None, fetch: bool = True) -> list[Path]:
    """The packaged recordings present in `folder` (default cache_dir()), fetching the missing ones'
    packages with apt-get if `fetch`; those that cannot be had (no apt, no network) are left out."""
    folder = folder or cache_dir()
    missing = [s for s in SOUNDS if not (folder / s.name).exists()]
    if missing and fetch:
        folder.mkdir(parents=True, exist_ok=True)
        for package in sorted({s.package for s in missing}):
            _unpack(package, [s for s in missing if s.package == package], folder)
    return [folder / s.name for s in SOUNDS if (folder / s.name).exists()]


def _unpack(package: str, sounds: list[PackagedSound], folder: Path) -> None:
    """Unpack the package in a temporary folder and keep only its sounds, under their names."""
    with debian_packages.unpacked(package) as root:
        if root is None:
            return
        for s in sounds:
            if (root / s.path).is_file():
                shutil.copyfile(root / s.path, folder / s.name)
