"""Trained models for tests and benchmarks: demo features, and a model made production
the way `make train` leaves one (artifacts in the bucket, a registry row, promoted)."""

from __future__ import annotations

import psycopg
from sklearn.pipeline import Pipeline

from model_service.artifacts import filesystem_for, publish_artifacts, version_uri
from model_service.registry import NewVersion, promote, register_version
from model_service.training import ALGORITHM
from titanic_common.demo_data import load_demo_passengers
from titanic_common.features import (
    FEATURE_VIEW,
    FEATURE_VIEW_VERSION,
    PassengerFeatures,
    RawPassenger,
    compute_features,
)


def demo_rows() -> dict[int, PassengerFeatures]:
    """passenger_id -> features of the 1309 demo passengers (the ingestion path's function)."""
    return {
        p["PassengerId"]: compute_features(
            RawPassenger.model_validate({k.lower(): v for k, v in p.items()})
        )
        for p in load_demo_passengers()
    }


def demo_labels() -> list[int]:
    """Survived per demo passenger, in demo_rows() order."""
    return [p["Survived"] for p in load_demo_passengers()]


def publish_production(
    env: dict[str, str], pipeline: Pipeline, onnx_bytes: bytes, training_rows: int, reason: str
) -> int:
    """Publish the artifacts to MODEL_ARTIFACT_URI, register a version and promote it."""
    base = env["MODEL_ARTIFACT_URI"]
    fs = filesystem_for(base, env["GCS_PROJECT"], env["STORAGE_EMULATOR_HOST"])

    def publish(version: int) -> tuple[str, str]:
        uri = version_uri(base, version)
        return uri, publish_artifacts(uri, onnx_bytes, pipeline, fs)

    new = NewVersion(
        algorithm=ALGORITHM,
        feature_view=FEATURE_VIEW,
        feature_view_version=FEATURE_VIEW_VERSION,
        training_rows=training_rows,
    )
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        version = register_version(conn, new, publish)
        promote(conn, version, reason)
    return version
