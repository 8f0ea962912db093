"""ONNX Runtime sessions whose outputs are off by a little, as a wrongly exported graph's would be:
every graph the project loads (the encoder's, the latent dynamics') is made through
`onnx_export.ort_session`, so patching it there makes every loader see such a graph."""

from __future__ import annotations

import pytest

from glasses_agent.perception import onnx_export


class OffSession:
    """Wraps a real session; each output comes back `offset` too high."""

    def __init__(self, session, offset: float) -> None:
        self.session = session
        self.offset = offset

    def run(self, names, feeds):
        return [x + self.offset for x in self.session.run(names, feeds)]


def sessions_off_by(monkeypatch: pytest.MonkeyPatch, offset: float = 1e-3) -> None:
    real_session = onnx_export.ort_session
    monkeypatch.setattr(onnx_export, "ort_session", lambda data, threads: OffSession(real_session(data, threads), offset))
