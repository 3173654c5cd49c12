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


def _as_dict(row: FeatureRow) -> Mapping[str, Any]:
    return row.model_dump() if isinstance(row, PassengerFeatures) else row


def _category(value: Any) -> str:
    return MISSING_CATEGORY if value is None else str(value)


def _number(value: Any) -> float:
    return np.nan if value is None else float(value)


def feature_frame(rows: Sequence[FeatureRow], index: Sequence[int] | None = None) -> pd.DataFrame:
    """A DataFrame with one column per model feature; `index` is usually passenger ids."""
    dicts = [_as_dict(r) for r in rows]
    columns: dict[str, Any] = {}
    for name in NUMERIC_FEATURES:
        # float32 first: ONNX runs in float32, so both paths must compare the same values.
        values = np.array([_number(d.get(name)) for d in dicts], dtype=np.float32)
        columns[name] = values.astype(np.float64)
    for name in CATEGORICAL_FEATURES:
        columns[name] = np.array([_category(d.get(name)) for d in dicts], dtype=object)
    return pd.DataFrame(
        columns, index=pd.Index(index, name="passenger_id") if index is not None else None
    )
