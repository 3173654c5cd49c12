"""Feature rows -> the table the model pipeline reads; training and serving share it.

Categorical features are strings ("" for missing) and numeric features are float32
values (NaN for missing), so the sklearn pipeline and its ONNX twin see the same numbers.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from titanic_common.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES, PassengerFeatures

MISSING_CATEGORY = ""
FeatureRow = PassengerFeatures | Mapping[str, Any]


_NUMERIC = operator.attrgetter(*NUMERIC_FEATURES)
_CATEGORICAL = operator.attrgetter(*CATEGORICAL_FEATURES)


def _values(row: FeatureRow) -> tuple[tuple, tuple]:
    """(numeric values, categorical values) of one row, in feature order."""
    # Attribute access, not model_dump(): this runs on every prediction.
    if isinstance(row, PassengerFeatures):
        return _NUMERIC(row), _CATEGORICAL(row)
    return tuple(map(row.get, NUMERIC_FEATURES)), tuple(map(row.get, CATEGORICAL_FEATURES))


def feature_columns(rows: Sequence[FeatureRow]) -> dict[str, np.ndarray]:
    """One array per model feature: float32 numbers (NaN for missing), str categories.

    Float32 because ONNX runs in float32: the sklearn path sees the same values.
    """
    values = [_values(r) for r in rows]
    # One table per kind, transposed to one contiguous array per feature.
    numbers = np.array(
        [[np.nan if v is None else float(v) for v in num] for num, _ in values],
        dtype=np.float32,
    ).reshape(len(rows), len(NUMERIC_FEATURES))
    categories = np.array(
        [[MISSING_CATEGORY if v is None else str(v) for v in cat] for _, cat in values],
        dtype=object,
    ).reshape(len(rows), len(CATEGORICAL_FEATURES))
    columns = dict(zip(NUMERIC_FEATURES, np.ascontiguousarray(numbers.T), strict=True))
    columns.update(zip(CATEGORICAL_FEATURES, np.ascontiguousarray(categories.T), strict=True))
    return columns


def feature_frame(rows: Sequence[FeatureRow], index: Sequence[int] | None = None) -> pd.DataFrame:
    """A DataFrame with one column per model feature; `index` is usually passenger ids."""
    columns: dict[str, Any] = feature_columns(rows)
    for name in NUMERIC_FEATURES:
        columns[name] = columns[name].astype(np.float64)
    return pd.DataFrame(
        columns, index=pd.Index(index, name="passenger_id") if index is not None else None
    )
