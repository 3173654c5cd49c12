"""Drift detectors over encoded windows: KS for numeric features, chi-squared for
categorical ones, Bonferroni-corrected.

Two backends compute the same tests:
- "scipy": scipy.stats.ks_2samp (asymptotic) and chi2_contingency, written here;
- "alibi": Alibi Detect's TabularDrift (Business Source License in 0.13: non-production
  use only).
Both libraries are imported lazily (alibi takes seconds, scipy.stats about one), so the
service answers /healthz at once; ReferenceHolder.preload_detector imports them early.
Both count categories over the union of the categories seen in the reference and in the
window, so a category the reference never saw still counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from drift_service.encoding import CATEGORICAL_COLUMNS
from titanic_common.features import FEATURE_NAMES

Backend = Literal["alibi", "scipy"]


@dataclass(frozen=True)
class DriftResult:
    """Raw per-feature p-values and the Bonferroni-corrected verdict."""

    p_values: dict[str, float]
    threshold: float
    is_drift: bool

    def most_significant(self, k: int = 3) -> list[str]:
        """The k features with the smallest p-values, smallest first."""
        return sorted(self.p_values, key=self.p_values.__getitem__)[:k]


class Detector(Protocol):
    name: str

    def check(self, window: np.ndarray) -> DriftResult: ...


def corrected_threshold(p_value: float, n_features: int = len(FEATURE_NAMES)) -> float:
    """Bonferroni: each feature is tested at p_value / n_features."""
    return p_value / n_features


def verdict(p_values: np.ndarray, p_value: float) -> DriftResult:
    """Name the p-values and decide: drift when any is below the corrected threshold."""
    threshold = corrected_threshold(p_value, len(p_values))
    named = {name: float(p) for name, p in zip(FEATURE_NAMES, p_values, strict=True)}
    return DriftResult(named, threshold, bool((p_values < threshold).any()))


def _chi2_p_value(reference: np.ndarray, window: np.ndarray) -> float:
    from scipy.stats import chi2_contingency

    categories = np.union1d(reference, window)
    table = np.array(
        [[np.count_nonzero(col == c) for c in categories] for col in (reference, window)]
    )
    # chi2_contingency applies Yates' correction to 2x2 tables, as TabularDrift does.
    return float(chi2_contingency(table).pvalue)


def feature_p_values(reference: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Per-feature p-values of window vs reference (columns in FEATURE_NAMES order)."""
    from scipy.stats import ks_2samp

    p_values = np.empty(reference.shape[1])
    for col in range(reference.shape[1]):
        if col in CATEGORICAL_COLUMNS:
            p_values[col] = _chi2_p_value(reference[:, col], window[:, col])
        else:
            p_values[col] = ks_2samp(reference[:, col], window[:, col], method="asymp").pvalue
    return p_values


class ScipyDetector:
    """KS and chi-squared tests on scipy.stats with Bonferroni correction."""

    name = "scipy"

    def __init__(self, reference: np.ndarray, p_value: float) -> None:
        self.reference = reference
        self.p_value = p_value

    def check(self, window: np.ndarray) -> DriftResult:
        return verdict(feature_p_values(self.reference, window), self.p_value)


class AlibiDetector:
    """Alibi Detect's TabularDrift with the categorical columns declared."""

    name = "alibi"

    def __init__(self, reference: np.ndarray, p_value: float) -> None:
        from alibi_detect.cd import TabularDrift  # heavy import: only when chosen

        self.p_value = p_value
        self._detector = TabularDrift(
            reference,
            p_val=p_value,
            # None: categories are taken from the reference (and unioned with the window).
            categories_per_feature=dict.fromkeys(CATEGORICAL_COLUMNS),
            correction="bonferroni",
        )

    def check(self, window: np.ndarray) -> DriftResult:
        result = self._detector.predict(window, drift_type="batch", return_p_val=True)
        return verdict(np.asarray(result["data"]["p_val"], dtype=np.float64), self.p_value)


def build_detector(backend: Backend, reference: np.ndarray, p_value: float) -> Detector:
    """The detector for DRIFT_BACKEND, fitted on the encoded reference rows."""
    if backend == "alibi":
        return AlibiDetector(reference, p_value)
    return ScipyDetector(reference, p_value)
