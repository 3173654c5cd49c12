"""ONNX export of the fitted pipeline and the one place that builds ONNX inputs.

The graph has one input per feature (float32 [N,1] numbers, string [N,1] categories),
built from the same `feature_columns` the sklearn pipeline's frames are made of.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from sklearn.pipeline import Pipeline

from model_service.frame import FeatureRow, feature_columns
from titanic_common.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES

ONNX_PROBA_OUTPUT = "probabilities"
ONNX_LABEL_OUTPUT = "label"
TARGET_OPSET = 17


def onnx_input_types() -> list[tuple[str, FloatTensorType | StringTensorType]]:
    """Graph inputs, one per feature, in the pipeline's column order."""
    return [(n, FloatTensorType([None, 1])) for n in NUMERIC_FEATURES] + [
        (n, StringTensorType([None, 1])) for n in CATEGORICAL_FEATURES
    ]


def to_onnx(pipeline: Pipeline) -> bytes:
    """Serialise a fitted pipeline to ONNX (probabilities as a plain [N,2] tensor)."""
    model = convert_sklearn(
        pipeline,
        initial_types=onnx_input_types(),
        options={id(pipeline.steps[-1][1]): {"zipmap": False}},
        target_opset={"": TARGET_OPSET, "ai.onnx.ml": 3},
    )
    return model.SerializeToString()


def frame_to_onnx_inputs(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """A feature frame as ONNX feeds: float32 numbers, object-array strings, shape [N,1]."""
    feeds = {n: frame[n].to_numpy(dtype=np.float32).reshape(-1, 1) for n in NUMERIC_FEATURES}
    for name in CATEGORICAL_FEATURES:
        feeds[name] = frame[name].to_numpy(dtype=object).reshape(-1, 1)
    return feeds


def to_onnx_inputs(rows: Sequence[FeatureRow]) -> dict[str, np.ndarray]:
    """ONNX feeds for passenger_features rows (PassengerFeatures or dicts), built with
    numpy directly: a DataFrame per request would cost more than the model run."""
    return {name: values.reshape(-1, 1) for name, values in feature_columns(rows).items()}
