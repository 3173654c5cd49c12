"""Feature rows -> the table the model pipeline reads; training and serving share it.

Categorical features are strings ("" for missing) and numeric features are float32
values (NaN for missing), so the sklearn pipeline and its ONNX twin see the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from titanic_common.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES, PassengerFeatures

MISSING_CATEGORY = ""
FeatureRow = PassengerFeatures | Mapping[str, Any]


def _getter(row: FeatureRow):
    # Attribute access, not model_dump(): this runs on every prediction.
    if isinstance(row, PassengerFeatures):
        return lambda name: getattr(row, name)
    return row.get


def feature_columns(rows: Sequence[FeatureRow]) -> dict[str, np.ndarray]:
    """One array per model feature: float32 numbers (NaN for missing), str categories.

    Float32 because ONNX runs in float32: the sklearn path sees the same values.
    """
    getters = [_getter(r) for r in rows]
    columns: dict[str, np.ndarray] = {}
    for name in NUMERIC_FEATURES:
        values = [get(name) for get in getters]
        columns[name] = np.array(
            [np.nan if v is None else float(v) for v in values], dtype=np.float32
        )
    for name in CATEGORICAL_FEATURES:
        values = [get(name) for get in getters]
        columns[name] = np.array(
            [MISSING_CATEGORY if v is None else str(v) for v in values], dtype=object
        )
    return columns


def feature_frame(rows: Sequence[FeatureRow], index: Sequence[int] | None = None) -> pd.DataFrame:
    """A DataFrame with one column per model feature; `index` is usually passenger ids."""
    columns: dict[str, Any] = feature_columns(rows)
    for name in NUMERIC_FEATURES:
        columns[name] = columns[name].astype(np.float64)
    return pd.DataFrame(
        columns, index=pd.Index(index, name="passenger_id") if index is not None else None
    )
