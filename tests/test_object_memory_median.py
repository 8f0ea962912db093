"""The object memory's fast median is np.median, bit for bit (its tracks must not move by a ulp)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from glasses_agent.world_model.foreground import exact_median

# Pixel-like values: whole numbers and blurred ones, with repeats (medians of images tie a lot).
values = st.one_of(st.integers(0, 255).map(float), st.floats(0, 255, width=32))


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@settings(max_examples=300, deadline=None)
@given(arrays(np.float32, st.integers(1, 40), elements=values))
def test_median_of_float32_values(x):
    assert _same(exact_median(x), np.median(x))


@settings(max_examples=300, deadline=None)
@given(arrays(np.float32, st.tuples(st.integers(1, 40), st.just(3)), elements=values))
def test_median_of_colours_per_channel(x):
    assert _same(exact_median(x, axis=0), np.median(x, axis=0))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(1, 5000), min_size=1, max_size=7))
def test_median_of_a_list_of_areas(areas):
    assert _same(exact_median(areas), np.median(areas))
    assert float(exact_median(areas)) == float(np.median(areas))
