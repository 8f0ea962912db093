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
