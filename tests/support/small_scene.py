"""A tiny camera + microphone scene for runtime tests: 30 fps 4x4 frames whose value is their
seq, and 100 ms audio chunks whose samples are their seq, unsorted (sources interleave)."""

from __future__ import annotations

import numpy as np

from streams.frames import NS_PER_S, AudioChunk, Frame, VideoFrame

SR = 16_000


def camera_and_mic(seconds: float = 2.0) -> list[Frame]:
    """The scene's frames: every camera frame, then every audio chunk."""
    frames: list[Frame] = [
        VideoFrame(t_ns=int(i * NS_PER_S / 30), seq=i, source="camera", image=np.full((4, 4, 3), i % 255, np.uint8))
        for i in range(int(30 * seconds))
    ]
    frames += [
        AudioChunk(t_ns=i * NS_PER_S // 10, seq=i, source="mic", samples=np.full(SR // 10, i, np.int16), sample_rate=SR)
        for i in range(int(10 * seconds))
    ]
    return frames
