"""Real recordings of everything that is NOT a dog, from Debian packages that ship sounds, so that the bark
detector (glasses_agent/detectors/barks.py) learns "a dog" rather than "none of the ten sounds it met".

The barks3 round trained against the tuning half's five sounds and five voices and, over sounds it had
never met (a washing machine, a vacuum, a phone's ring, a fire truck, a new voice), told a bark five times
a minute. These packages carry hundreds of short effects: household and UI sounds, doors, footsteps, tools,
vehicles, weapons, other animals, and spoken words in several languages. Fetched as the dogs are
(`apt-get download`, `dpkg-deb -x`, tools/evals/debian_packages.py) into
$GLASSES_AGENT_CACHE/sound-negatives/<group>/, each file named `<group>_<path with / as ->` (one stem a file
across groups: qabcs's languages ship the same paths), never into
the repository. All of them tune (splits.toml `[packaged_sounds] tuning_negatives` names the groups):
the reporting half keeps its own sounds, voices and beds for the held-out figure.

A *group* is a package, except qabcs-data, whose noises and whose spoken words in each language are
separate groups (one speaker a language as far as can be told; the package also ships a tuning dog). The
held-out judge (tools/evals/sound_bark_model.py `judge`) leaves groups out with each dog.

No dog in them: files whose names say dog, bark, wolf, growl, snarl, howl or name a cartoon character (qabcs's
character clips may hold anything) are left out, as are music loops, two freedesktop sounds already in the
shared tuning half, and files that do not decode or are silent. Listen-free look (the barks4 round in
docs/senses-notes.md): 471 of the 1,501 files kept are shaped like a dog's bark (1-9 bursts of 0.08-0.32 s,
a pitch of 150-1000 Hz in the loudest frame), almost all of them words, footsteps, clanks, whooshes and
other animals by name (the nearest: scratch's SeaLion, a sea lion's bark, kept as another animal). The
barks3 model could not screen them: over a faint bed it scores half of all these files 0.3 or more.

    python -m tools.evals.sound_negatives      # fetch every group (~175 MB of packages), count each
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from glasses_agent import cache
from tools.evals import debian_packages

AUDIO = ("*.wav", "*.ogg", "*.oga", "*.mp3")
NOT_A_NEGATIVE = re.compile(r"dog|bark|wolf|growl|snarl|howl|woof|puppy|hound", re.IGNORECASE)
# qabcs's noises named for a character or a scene (a cartoon's clip may hold anything, a dog included)
QABCS_CHARACTERS = ("adjutant", "cheburashka", "chef", "circus", "clown", "dunno", "emelya", "firebird",
                    "gamekeeper", "ivasyk", "joker", "ole_lukoje", "pishik", "prince", "sailorboy", "schooler",
                    "umka", "ursula", "x-men", "yaga", "yeti", "zozulka", "cabin", "sound", "earth", "star",
                    "ode", "hyena", "yinyang", "iotshin", "changu")
SECONDS = 6.0  # the longest stretch of a file laid in a mix (ambient loops and music run longer)


@dataclass(frozen=True)
class NegativeGroup:
    """Files of one package (or one part of it) under `folder` matching `patterns`, less the excluded."""

    group: str
    package: str
    folder: str
    patterns: tuple[str, ...]
    licence: str  # as /usr/share/doc/<package>/copyright gives it for these files
    exclude: tuple[str, ...] = ()  # file stems left out beside NOT_A_NEGATIVE's
    skip_folders: tuple[str, ...] = ()  # sub-folders left out (music loops: minutes of one texture)

    def keeps(self, rel: str) -> bool:
        name = Path(rel).name
        return (any(fnmatch.fnmatch(name.lower(), p) for p in self.patterns)
                and not NOT_A_NEGATIVE.search(rel) and Path(rel).stem.lower() not in self.exclude
                and not any(rel.startswith(f + "/") for f in self.skip_folders))


def _qabcs_words(lang: str) -> NegativeGroup:
    return NegativeGroup(f"qabcs-data:{lang}", "qabcs-data", f"usr/share/qabcs/abcs/{lang}/sounds", AUDIO,
                         "GPL-3+ (Files: *, DanSoft)")


GROUPS = (
    NegativeGroup("scratch", "scratch", "usr/share/scratch/Media/Sounds", AUDIO, "CC-BY-SA-3.0 (Media/*, MIT Scratch)",
                  skip_folders=("Music Loops",)),
    NegativeGroup("qabcs-data:noises", "qabcs-data", "usr/share/qabcs/abcs/all/noises", AUDIO,
                  "GPL-3+ (Files: *, DanSoft)", exclude=QABCS_CHARACTERS),
    *(_qabcs_words(lang) for lang in ("en", "de", "fr", "pl", "ru")),
    NegativeGroup("lugaru-data", "lugaru-data", "usr/share/games/lugaru", AUDIO, "CC-BY-SA-3.0 (Data/*, Wolfire Games)",
                  exclude=("music1grass", "music1snow", "music1desert", "music2", "music3")),
    NegativeGroup("scorched3d-data", "scorched3d-data", "usr/share/games/scorched3d/data/globalmods", ("*.wav",),
                  "GPL-2+ (Files: *) / CC-BY-SA-3 (data/globalmods/apoc/*)"),
    NegativeGroup("sound-theme-freedesktop", "sound-theme-freedesktop", "usr/share/sounds/freedesktop", AUDIO,
                  "CC-BY-SA-3.0 / CC-BY-3.0 / GPL-2+ (per file, as its copyright lists)",
                  exclude=("alarm-clock-elapsed", "bell")),  # both already in the shared data's tuning sounds
    NegativeGroup("oxygen-sounds", "oxygen-sounds", "usr/share/sounds", ("oxygen-*.ogg",), "LGPL-3.0-or-later (Files: *)"),
    NegativeGroup("gnome-audio", "gnome-audio", "usr/share/sounds", AUDIO, "CC-BY-SA-2.0 / CC-BY-3.0 (per file, as its copyright lists)"),
    NegativeGroup("deepin-sound-theme", "deepin-sound-theme", "usr/share/sounds/deepin", AUDIO, "GPL-3 (Files: *)"),
    NegativeGroup("pingus-data", "pingus-data", "usr/share/games/pingus", AUDIO, "GPL-2+"),
    NegativeGroup("pinball-data", "pinball-data", "usr/share/games/pinball", AUDIO, "GPL-2 (Files: *)",
                  exclude=("intro", "introp", "game", "multiball", "professor")),
    NegativeGroup("frozen-bubble-data", "frozen-bubble-data", "usr/share/games/frozen-bubble/snd", AUDIO, "GPL-2 (Files: *)",
                  exclude=("frozen-mainzik-1p", "frozen-mainzik-2p", "introzik")),
    NegativeGroup("chromium-bsu-data", "chromium-bsu-data", "usr/share/games/chromium-bsu", ("*.wav",),
                  "Expat (Files: data/wav/*)", exclude=("music_menu", "music_game")),
)


def split_groups(half: str = "tuning") -> list[str]:
    """The groups splits.toml's `[packaged_sounds]` gives to a half (`<half>_negatives`; none report)."""
    from tools import data_splits

    return data_splits.listed("packaged_sounds", f"{half}_negatives")


def cache_dir() -> Path:
    """$GLASSES_AGENT_CACHE/sound-negatives (glasses_agent.cache)."""
    return cache.cache_dir("sound-negatives")


def _folder(group: str, root: Path) -> Path:
    return root / group.replace(":", "-")


def fetched(groups: list[str] | None = None, folder: Path | None = None, fetch: bool = True) -> dict[str, list[Path]]:
    """Group -> its recordings present under `folder` (default cache_dir()); a missing group's package is
    fetched with apt-get if `fetch` (one that cannot be had, no apt or no network, stays missing)."""
    root = folder or cache_dir()
    wanted = [g for g in GROUPS if groups is None or g.group in groups]
    missing = [g for g in wanted if not (_folder(g.group, root) / ".done").exists()]
    if missing and fetch:
        for package in sorted({g.package for g in missing}):
            _unpack(package, [g for g in missing if g.package == package], root)
    out = {}
    for g in wanted:
        d = _folder(g.group, root)
        if (d / ".done").exists():
            out[g.group] = sorted(p for p in d.iterdir() if p.name != ".done")
    return out


def _unpack(package: str, groups: list[NegativeGroup], root: Path) -> None:
    with debian_packages.unpacked(package) as unpacked:
        if unpacked is None:
            return
        for g in groups:
            d = _folder(g.group, root)
            d.mkdir(parents=True, exist_ok=True)
            base = unpacked / g.folder
            for f in sorted(base.rglob("*")) if base.is_dir() else []:
                rel = f.relative_to(base).as_posix()
                if f.is_file() and g.keeps(rel):
                    kept = d / f"{_folder(g.group, Path()).name}_{rel.replace('/', '-').replace(' ', '-')}"
                    shutil.copyfile(f, kept)
                    if not _sounds(kept):
                        kept.unlink()
            (d / ".done").touch()


def _sounds(path: Path) -> bool:
    """Decodes, lasts 0.05 s or more and is not silent (a few files are empty or break the decoder)."""
    from glasses_agent.scoring.sound_eval import SR, load_audio

    try:
        x = load_audio(path, 1.0)
    except Exception:  # noqa: BLE001 - any file the decoder cannot read is left out
        return False
    return len(x) >= 0.05 * SR and int(abs(x.astype(int)).max()) > 300


def main(argv: list[str] | None = None) -> int:
    """Fetch every group and print how many files each keeps."""
    got = fetched(fetch=True)
    for g in GROUPS:
        print(f"{g.group:<26} {len(got.get(g.group, [])):>4} files  {g.licence}")
    return 0 if len(got) == len(GROUPS) else 1


if __name__ == "__main__":
    sys.exit(main())
