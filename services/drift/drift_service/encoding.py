"""Passenger features -> numeric matrix: the one place where features become numbers.

Columns follow `FEATURE_NAMES`. Categorical features become integer codes from a fixed
vocabulary, so the same category always gets the same code. Missing values are encoded,
not dropped, so both detectors see them the same way:
- a missing numeric value (age, fare) becomes MISSING_NUMERIC (-1), below every legal
  value; KS then compares the distribution of "value or missing", so a change in the
  share of missing values is drift like any other;
- a missing categorical value (embarked) is its own category.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from titanic_common.features import (
    CATEGORICAL_FEATURES,
    FEATURE_NAMES,
    NUMERIC_FEATURES,
    PassengerFeatures,
)

MISSING_NUMERIC = -1.0
MISSING_CATEGORY = "missing"

CATEGORIES: dict[str, tuple[Any, ...]] = {
    "pclass": (1, 2, 3),
    "sex": ("male", "female"),
    "embarked": ("C", "Q", "S", None),
    "is_alone": (0, 1),
    "has_cabin": (0, 1),
    "title": ("Mr", "Mrs", "Miss", "Master", "Rare"),
}

COLUMN: dict[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}
CATEGORICAL_COLUMNS: tuple[int, ...] = tuple(COLUMN[f] for f in CATEGORICAL_FEATURES)
NUMERIC_COLUMNS: tuple[int, ...] = tuple(COLUMN[f] for f in NUMERIC_FEATURES)
_CODES = {f: {v: float(i) for i, v in enumerate(values)} for f, values in CATEGORIES.items()}

Row = PassengerFeatures | Mapping[str, Any]


def _as_dict(row: Row) -> Mapping[str, Any]:
    return row.model_dump() if isinstance(row, PassengerFeatures) else row


def encode_row(row: Row) -> list[float]:
    """One passenger_features row as floats in FEATURE_NAMES order."""
    data = _as_dict(row)
    out: list[float] = []
    for name in FEATURE_NAMES:
        value = data.get(name)
        if name in _CODES:
            out.append(_CODES[name][value])
        else:
            out.append(MISSING_NUMERIC if value is None else float(value))
    return out


def encode(rows: Iterable[Row]) -> np.ndarray:
    """Rows -> float64 matrix of shape (n, len(FEATURE_NAMES))."""
    matrix = np.array([encode_row(r) for r in rows], dtype=np.float64)
    return matrix.reshape(-1, len(FEATURE_NAMES))


def category_label(feature: str, code: float) -> str:
    """The human label of a category code (for histograms)."""
    value = CATEGORIES[feature][int(code)]
    return MISSING_CATEGORY if value is None else str(value)
