"""Sound files from Debian packages, fetched the way a user would: `apt-get download` the package
(no install, no root) and `dpkg-deb -x` it. The evaluations' noise beds (noise_beds.py) and packaged
recordings (sound_packages.py) come this way into glasses_agent.cache, never into the repository."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def unpack(package: str, into: Path) -> bool:
    """Download `package` into a temporary folder and unpack its files under `into`; False where it
    cannot be had (no apt or dpkg-deb, no network, no such package)."""
    if not shutil.which("apt-get") or not shutil.which("dpkg-deb"):
        return False
    with tempfile.TemporaryDirectory() as tmp:
        got = subprocess.run(["apt-get", "download", package], cwd=tmp, capture_output=True)
        debs = list(Path(tmp).glob(f"{package}_*.deb"))
        if got.returncode != 0 or not debs:
            return False
        return subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(into)], capture_output=True).returncode == 0


@contextmanager
def unpacked(package: str) -> Iterator[Path | None]:
    """`package`'s files unpacked into a temporary folder for the `with` block to take what it keeps
    from (None where it cannot be had, as `unpack`); the folder goes when the block ends."""
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp) if unpack(package, Path(tmp)) else None
