"""Per-feature histograms of the reference and the current window, for the UI.

Numeric features are binned on edges from the reference's deciles (deduplicated, so
discrete counts such as sibsp get one bin per value), with missing values counted
apart; categorical features are counted per category.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

import numpy as np
from pydantic import BaseModel

from drift_service.encoding import CATEGORIES, COLUMN, MISSING_NUMERIC, category_label
from titanic_common.features import CATEGORICAL_FEATURES, FEATURE_NAMES

QUANTILES = np.linspace(0, 1, 11)


class FeatureHistogram(BaseModel):
    kind: Literal["numeric", "categorical"]
    bins: list[str]
    edges: list[float] | None = None
    reference: list[int]
    current: list[int]


def numeric_edges(reference: np.ndarray) -> np.ndarray:
    """Decile edges of the known reference values (at least two edges)."""
    known = reference[reference != MISSING_NUMERIC]
    if known.size == 0:
        return np.array([0.0, 1.0])
    edges = np.unique(np.quantile(known, QUANTILES))
    return edges if edges.size >= 2 else np.array([edges[0], edges[0] + 1.0])


def _numeric_counts(values: np.ndarray, edges: np.ndarray) -> list[int]:
    known = values[values != MISSING_NUMERIC]
    # Values outside the reference range land in the first or last bin.
    counts, _ = np.histogram(np.clip(known, edges[0], edges[-1]), bins=edges)
    return [*counts.tolist(), int(values.size - known.size)]


def numeric_histogram(reference: np.ndarray, window: np.ndarray) -> FeatureHistogram:
    """Counts per reference-decile bin, then the missing count."""
    edges = numeric_edges(reference)
    bins = [f"{lo:g}-{hi:g}" for lo, hi in pairwise(edges)]
    return FeatureHistogram(
        kind="numeric",
        bins=[*bins, "missing"],
        edges=edges.tolist(),
        reference=_numeric_counts(reference, edges),
        current=_numeric_counts(window, edges),
    )


def categorical_histogram(
    feature: str, reference: np.ndarray, window: np.ndarray
) -> FeatureHistogram:
    """Counts per category code, every category of the vocabulary listed."""
    codes = np.arange(len(CATEGORIES[feature]), dtype=np.float64)
    return FeatureHistogram(
        kind="categorical",
        bins=[category_label(feature, c) for c in codes],
        reference=[int(np.count_nonzero(reference == c)) for c in codes],
        current=[int(np.count_nonzero(window == c)) for c in codes],
    )


def summarize(reference: np.ndarray, window: np.ndarray) -> dict[str, FeatureHistogram]:
    """Histograms per feature, in FEATURE_NAMES order."""
    window = window.reshape(-1, len(FEATURE_NAMES))
    out: dict[str, FeatureHistogram] = {}
    for name in FEATURE_NAMES:
        ref_col, win_col = reference[:, COLUMN[name]], window[:, COLUMN[name]]
        if name in CATEGORICAL_FEATURES:
            out[name] = categorical_histogram(name, ref_col, win_col)
        else:
            out[name] = numeric_histogram(ref_col, win_col)
    return out
