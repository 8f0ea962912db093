"""The repository's one split of the shared recordings: what tunes, what reports (splits.toml).

Training, pair making and threshold tuning read `tuning(kind)`; held-out figures come only from
`reporting(kind)`. Paths come back absolute, under the shared data folder.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

REPO_ROOT = Path(__file__).resolve().parents[1]
SPLITS_FILE = REPO_ROOT / "splits.toml"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

Kind = Literal["video", "speech", "sounds", "noise", "packaged_sounds"]  # the last: under sound_packages.cache_dir()
Half = Literal["tuning", "reporting"]


def _table() -> dict[str, dict[str, list[str]]]:
    with SPLITS_FILE.open("rb") as f:
        return tomllib.load(f)


def listed(kind: Kind, key: str) -> list[str]:
    """The names one table of the split lists under `key` as written (empty where it lists none): a half,
    or a list kept beside the halves (`[packaged_sounds] tuning_negatives`: groups, not files)."""
    return list(_table()[kind].get(key, []))


def clips(kind: Kind, half: Half, data: Path = SHARED_DATA) -> list[Path]:
    """The files of one kind in one half of the split, in the order the file lists them."""
    return [data / rel for rel in _table()[kind][half]]


def tuning(kind: Kind, data: Path = SHARED_DATA) -> list[Path]:
    """Files that training, pair making and threshold tuning may read."""
    return clips(kind, "tuning", data)


def reporting(kind: Kind, data: Path = SHARED_DATA) -> list[Path]:
    """Files kept out of all tuning, for held-out figures."""
    return clips(kind, "reporting", data)


def half_of(path: Path | str, data: Path = SHARED_DATA) -> Half | None:
    """Which half a shared file belongs to, given relative to the data folder or absolute under it
    (None: not in the split)."""
    path = Path(path)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(data.resolve())
        except ValueError:
            return None
    for lists in _table().values():
        for half, files in lists.items():
            if path.as_posix() in files:
                return half  # type: ignore[return-value]
    return None
