"""Where glasses-agent keeps what it makes or fetches once and reuses: $GLASSES_AGENT_CACHE
(default ~/.cache/glasses-agent), one folder a kind (the exported ONNX graphs, the evaluations'
noise beds and packaged recordings). Nothing there is needed to be correct: each is made again
when missing."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "GLASSES_AGENT_CACHE"


def cache_dir(kind: str) -> Path:
    """The cache's folder for one kind of thing, e.g. cache_dir("perception-onnx")."""
    root = os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "glasses-agent")
    return Path(root) / kind
