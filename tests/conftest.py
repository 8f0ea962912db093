"""Shared fixtures. Tests that need ../shared/data skip with a reason where it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI: no deadline (shared, noisy machines) and derandomized, so a run is reproducible.
settings.register_profile(
    "ci", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The third-party recordings beside the checkout (../shared/data)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"needs the shared recordings at {SHARED_DATA} (absent on this machine)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def face_photo():
    """A real photo with a face in it (RGB), for the privacy tests: blur, refusal."""
    from tests.support.faces import load_face_photo

    photo = load_face_photo()
    if photo is None:
        pytest.skip("needs a real face photo: pip install scikit-image (the dev extras) or apt-get install opencv-doc")
    return photo


@pytest.fixture
def mosquitto():
    """A real, TLS-only Mosquitto with the agent user provisioned; add devices with add_device()."""
    import shutil
    import tempfile

    from tests.support.mosquitto import Mosquitto, mosquitto_available

    if not mosquitto_available():
        pytest.skip("needs Mosquitto (apt-get install -y mosquitto); `make test` installs it")
    # Not under pytest's tmp_path: as root, mosquitto drops to its own user, which cannot
    # traverse pytest's private temp tree. Its own folder in /tmp is handed to that user.
    root = Path(tempfile.mkdtemp(prefix="glasses-agent-mosquitto-"))
    broker = Mosquitto(root).configure().start()
    yield broker
    broker.stop()
    shutil.rmtree(root, ignore_errors=True)
