"""ONNX inference as served: agrees with scikit-learn, and concurrent calls share one run."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from prometheus_client import REGISTRY

from model_service.frame import feature_frame
from model_service.inference import OnnxModel
from model_service.onnx_io import to_onnx
from model_service.training import TrainConfig, build_pipeline
from titanic_common.demo_data import load_demo_passengers
from titanic_common.features import RawPassenger, compute_features


@pytest.fixture(scope="module")
def fitted():
    passengers = load_demo_passengers()
    rows = [
        compute_features(RawPassenger.model_validate({k.lower(): v for k, v in p.items()}))
        for p in passengers
    ]
    labels = [p["Survived"] for p in passengers]
    pipeline = build_pipeline(TrainConfig(n_estimators=25, seed=3))
    pipeline.set_params(clf__max_depth=6).fit(feature_frame(rows), labels)
    return pipeline, OnnxModel(to_onnx(pipeline)), rows


def inference_runs() -> float:
    return REGISTRY.get_sample_value("prediction_latency_seconds_count") or 0.0


def test_onnx_matches_sklearn_to_float32_precision(fitted):
    pipeline, onnx, rows = fitted
    expected = pipeline.predict_proba(feature_frame(rows))[:, 1]
    np.testing.assert_allclose(onnx.predict_proba(rows), expected, atol=1e-5)


async def test_concurrent_requests_share_one_run_and_keep_their_answers(fitted):
    _, onnx, rows = fitted
    alone = [float(onnx.predict_proba([row])[0]) for row in rows[:40]]
    before = inference_runs()
    answers = await asyncio.gather(*(onnx.predict_proba_coalesced([row]) for row in rows[:40]))
    assert inference_runs() - before == 1
    assert [float(a[0]) for a in answers] == alone


async def test_a_bad_row_fails_only_its_own_request(fitted):
    _, onnx, rows = fitted
    broken = {**rows[0].model_dump(), "age": "not a number"}
    good, bad, other = await asyncio.gather(
        onnx.predict_proba_coalesced([rows[1]]),
        onnx.predict_proba_coalesced([broken]),
        onnx.predict_proba_coalesced([rows[2], rows[3]]),
        return_exceptions=True,
    )
    assert isinstance(bad, ValueError)
    assert float(good[0]) == float(onnx.predict_proba([rows[1]])[0])
    assert list(other) == list(onnx.predict_proba([rows[2], rows[3]]))
