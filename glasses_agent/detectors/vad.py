"""Voice activity with the Silero VAD model shipped inside the `silero-vad` wheel, on onnxruntime.

Only the ONNX file is taken from the wheel (found without importing the package, whose
`__init__` imports torch): the hot path runs numpy + onnxruntime. Each call starts from a fresh
state and scores the last ~0.5 s of audio, so the result depends only on that audio (a replay
gives the same probabilities whatever ran before).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from glasses_agent.errors import GlassesAgentError

WINDOW = 512  # samples per model step at 16 kHz
CONTEXT = 64  # samples of the previous step the model sees before each window
SAMPLE_RATE = 16_000
STEPS = 16  # ~0.5 s scored per call


def silero_model_path() -> Path:
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise GlassesAgentError("voice activity needs the silero-vad package (pip install silero-vad)")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "silero_vad.onnx"
    if not path.exists():
        raise GlassesAgentError(f"the silero-vad package has no ONNX model at {path}")
    return path


class VoiceActivity:
    """Silero VAD on onnxruntime: the probability that the last ~0.5 s of audio holds speech."""

    def __init__(self) -> None:
        import onnxruntime

        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(silero_model_path()), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self._sr = np.array(SAMPLE_RATE, dtype=np.int64)

    def probability(self, audio: np.ndarray, sample_rate: int) -> float:
        """Speech probability (0..1) of the newest ~0.5 s of int16 audio: the max over its steps."""
        if sample_rate != SAMPLE_RATE:
            if sample_rate % SAMPLE_RATE:
                return 0.0
            audio = audio[:: sample_rate // SAMPLE_RATE]
        need = WINDOW * STEPS + CONTEXT
        x = audio[-need:].astype(np.float32) / 32768.0
        if len(x) < need:
            x = np.concatenate([np.zeros(need - len(x), np.float32), x])
        state = np.zeros((2, 1, 128), np.float32)
        best = 0.0
        for i in range(STEPS):
            chunk = x[i * WINDOW : i * WINDOW + WINDOW + CONTEXT][None, :]
            out, state = self._session.run(None, {"input": chunk, "state": state, "sr": self._sr})
            if i >= STEPS // 2:  # the first half only warms the state up
                best = max(best, float(out[0, 0]))
        return best
