"""Histograms for the UI: reference bins, missing values apart, nothing lost."""

from __future__ import annotations

import numpy as np

from drift_service.encoding import COLUMN, MISSING_NUMERIC, encode
from drift_service.summary import numeric_edges, summarize
from tests.drift.demo import demo_features


def test_every_row_lands_in_exactly_one_bin():
    reference = encode(demo_features())
    window = reference[:100].copy()
    window[:10, COLUMN["fare"]] = 9_999.0  # beyond the reference: counted in the last bin
    for name, hist in summarize(reference, window).items():
        assert sum(hist.reference) == len(reference), name
        assert sum(hist.current) == len(window), name
        assert len(hist.bins) == len(hist.reference) == len(hist.current)


def test_missing_values_are_counted_apart():
    column = np.array([MISSING_NUMERIC, 1.0, 2.0, 3.0])
    reference = np.zeros((4, 11))
    reference[:, COLUMN["age"]] = column
    age = summarize(reference, reference[:1])["age"]
    assert age.bins[-1] == "missing"
    assert age.reference[-1] == 1 and age.current == [0] * (len(age.bins) - 1) + [1]


def test_edges_survive_a_constant_or_empty_column():
    assert numeric_edges(np.array([5.0, 5.0])).tolist() == [5.0, 6.0]
    assert numeric_edges(np.array([MISSING_NUMERIC])).tolist() == [0.0, 1.0]
