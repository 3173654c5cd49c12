"""A training run end to end on real PostgreSQL and the real GCS emulator: artifacts,
lineage, the promotion gate, and refusal of tampered artifacts."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import psycopg
import pytest

from model_service import registry
from model_service.artifacts import (
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    filesystem_for,
    load_onnx,
    load_pipeline,
    sha256_hex,
)
from model_service.dataset import ComputedFeatures
from model_service.frame import feature_frame
from model_service.inference import OnnxModel
from model_service.settings import Settings
from model_service.train_run import TrainResult, train_and_register
from tests.model.conftest import insert_passengers, model_settings


@pytest.fixture(scope="module")
def settings(registry_db: str, gcs_emulator: dict[str, str]) -> Settings:
    return model_settings(
        registry_db,
        {**gcs_emulator, "MODEL_ARTIFACT_URI": "gs://titanic-test/registry-training"},
    )


@pytest.fixture(scope="module")
def run_id(settings: Settings, demo_passengers: list[dict[str, Any]]) -> int:
    return insert_passengers(settings.DATABASE_URL, demo_passengers)


@pytest.fixture(scope="module")
def first(settings: Settings, demo_passengers: list[dict[str, Any]], run_id: int) -> TrainResult:
    return train_and_register(settings, ComputedFeatures(demo_passengers))


def fs(settings: Settings):
    return filesystem_for(
        settings.MODEL_ARTIFACT_URI, settings.GCS_PROJECT, settings.STORAGE_EMULATOR_HOST
    )


def test_first_model_is_registered_with_lineage_and_promoted(
    first: TrainResult, settings: Settings, run_id: int
) -> None:
    assert first.version == 1 and first.promoted
    row = registry.get_production(settings.DATABASE_URL)
    assert row is not None and row.version == 1
    assert row.artifact_uri == "gs://titanic-test/registry-training/v1"
    assert row.ingestion_run_id == run_id
    assert (row.feature_view, row.feature_view_version) == ("passenger_features", 1)
    assert row.training_rows == 1047 and row.metrics["holdout_rows"] == 262
    assert row.metrics == first.metrics
    assert {"max_depth", "min_samples_leaf", "n_estimators", "seed"} <= set(row.params)


def test_artifacts_load_and_predict_like_each_other(first: TrainResult, settings: Settings) -> None:
    row = registry.get_version(settings.DATABASE_URL, first.version)
    onnx_bytes = load_onnx(row.artifact_uri, row.artifact_sha256, fs=fs(settings))
    pipeline = load_pipeline(row.artifact_uri, row.artifact_sha256, fs=fs(settings))
    manifest = json.loads(fs(settings).cat(f"{row.artifact_uri}/manifest.json"))

    assert sha256_hex(onnx_bytes) == row.artifact_sha256 == manifest["files"]["model.onnx"]
    row_features = [{"pclass": 1, "sex": "female", "age": 29.0, "fare": 211.3,
                     "embarked": "S", "sibsp": 0, "parch": 0, "family_size": 1,
                     "is_alone": 1, "has_cabin": 1, "title": "Miss"}]  # fmt: skip
    np.testing.assert_allclose(
        OnnxModel(onnx_bytes).predict_proba(row_features),
        pipeline.predict_proba(feature_frame(row_features))[:, 1],
        atol=1e-5,
    )


def test_a_model_worse_than_production_stays_candidate_with_the_reason(
    first: TrainResult, settings: Settings, demo_passengers: list[dict[str, Any]]
) -> None:
    with psycopg.connect(settings.DATABASE_URL, autocommit=True) as conn:
        conn.execute(
            "UPDATE model_versions SET metrics = metrics || '{\"holdout_accuracy\": 0.99}'"
            " WHERE version = %s",
            (first.version,),
        )

    second = train_and_register(settings, ComputedFeatures(demo_passengers))

    assert not second.promoted
    assert "< production's 0.9900 - tolerance 0.0100" in second.reason
    row = registry.get_version(settings.DATABASE_URL, second.version)
    assert row.status == "candidate"
    assert row.status_reason == f"not promoted: {second.reason}"
    assert registry.get_production(settings.DATABASE_URL).version == first.version


def test_tampered_model_is_refused(first: TrainResult, settings: Settings) -> None:
    row = registry.get_version(settings.DATABASE_URL, first.version)
    files = fs(settings)
    original = files.cat(f"{row.artifact_uri}/model.onnx")
    files.pipe(f"{row.artifact_uri}/model.onnx", original[:-1] + b"\x00")
    try:
        with pytest.raises(ArtifactIntegrityError, match="checksum mismatch"):
            load_onnx(row.artifact_uri, row.artifact_sha256, fs=files)
    finally:
        files.pipe(f"{row.artifact_uri}/model.onnx", original)


def test_tampered_pipeline_is_refused(first: TrainResult, settings: Settings) -> None:
    row = registry.get_version(settings.DATABASE_URL, first.version)
    files = fs(settings)
    original = files.cat(f"{row.artifact_uri}/pipeline.joblib")
    files.pipe(f"{row.artifact_uri}/pipeline.joblib", original + b"extra")
    try:
        with pytest.raises(ArtifactIntegrityError, match=r"mismatch for .*pipeline\.joblib"):
            load_pipeline(row.artifact_uri, row.artifact_sha256, fs=files)
    finally:
        files.pipe(f"{row.artifact_uri}/pipeline.joblib", original)


def test_manifest_of_another_model_is_refused(first: TrainResult, settings: Settings) -> None:
    row = registry.get_version(settings.DATABASE_URL, first.version)

    with pytest.raises(ArtifactIntegrityError, match="does not belong"):
        load_pipeline(row.artifact_uri, "0" * 64, fs=fs(settings))


def test_missing_artifact_is_not_found(settings: Settings) -> None:
    with pytest.raises(ArtifactNotFoundError, match="does not exist"):
        load_onnx(f"{settings.MODEL_ARTIFACT_URI}/v404", "0" * 64, fs=fs(settings))
