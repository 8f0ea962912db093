"""`train perception --data real:tuning`: real clips streamed from the files, augmented, tuning half only."""

from __future__ import annotations

import numpy as np
import pytest

from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.errors import PerceptionError
from tools import data_splits
from tools.train.real_data import StreamedClips, real_stream

TINY = ModelConfig()


def _stream(seed: int) -> StreamedClips:
    return StreamedClips(data_splits.tuning("video")[:2], data_splits.tuning("sounds")[:2], data_splits.tuning("noise"),
                         TINY, seed=seed, capacity=8, refresh=1)


def test_stream_gives_model_shaped_clips_from_a_bounded_reservoir(shared_data):
    stream = _stream(0)
    video, mel = stream.batch(np.arange(5))
    assert tuple(video.shape) == (5, 3, TINY.frames, TINY.image_size, TINY.image_size)
    assert tuple(mel.shape) == (5, TINY.n_mels, TINY.audio_frames)
    for _ in range(20):
        stream.batch(np.arange(2))
    assert len(stream.reservoir) <= 8


def test_stream_repeats_for_a_seed_and_differs_between_seeds(shared_data):
    a, b, c = (_stream(s).draw(3) for s in (1, 1, 2))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_training_never_reads_the_reporting_half(shared_data):
    with pytest.raises(PerceptionError, match="real:tuning"):
        real_stream("real:reporting", TINY)
