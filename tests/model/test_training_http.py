"""/models over HTTP on real processes: model service, feature store, PostgreSQL, GCS
emulator. Training reads the features the feature store exports."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from model_service import registry
from model_service.dataset import ComputedFeatures
from tests.model.conftest import FAST_TRAIN, insert_passengers
from tests.support.db import create_migrated_database, drop_database
from tests.support.procs import ROOT, free_port, start_service
from titanic_common.feature_client import FeatureStoreClient

pytestmark = pytest.mark.slow

JOB_DEADLINE_SECONDS = 240


@pytest.fixture(scope="module")
def env(
    base_env: dict[str, str], gcs_emulator: dict[str, str], demo_passengers: list[dict[str, Any]]
) -> Iterator[dict[str, str]]:
    database_url = create_migrated_database("titanic_train_http")
    insert_passengers(database_url, demo_passengers)
    yield {
        **base_env,
        **gcs_emulator,
        "DATABASE_URL": database_url,
        "MODEL_ARTIFACT_URI": "gs://titanic-test/train-http",
        "MODEL_URL": f"http://127.0.0.1:{free_port()}",
        "FEATURE_STORE_URL": f"http://127.0.0.1:{free_port()}",
        "TRAIN_N_ESTIMATORS": str(FAST_TRAIN["n_estimators"]),
        "TRAIN_CV_REPEATS": str(FAST_TRAIN["cv_repeats"]),
    }
    drop_database(database_url)


@pytest.fixture(scope="module")
def model_url(
    env: dict[str, str],
    artifacts_dir: Path,
    demo_passengers: list[dict[str, Any]],
    admin_headers: dict[str, str],
) -> Iterator[str]:
    tmp = artifacts_dir / "model-train-http"
    feature_store = start_service("titanic-feature-store", "FEATURE_STORE_URL", env, tmp)
    model = None
    try:
        token = admin_headers["Authorization"].removeprefix("Bearer ")
        with FeatureStoreClient(feature_store.url, token=token, timeout=30) as client:
            client.store_batch_features(ComputedFeatures(demo_passengers).iter_export())
        model = start_service("titanic-model", "MODEL_URL", env, tmp)
        yield model.url
    finally:
        if model is not None:
            model.stop()
        feature_store.stop()


def wait_for_job(url: str, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + JOB_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        job = httpx.get(f"{url}/models/train/{job_id}", timeout=5).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} still {job['status']} ({job['progress']})")


def test_no_production_model_is_a_json_404(model_url: str) -> None:
    response = httpx.get(f"{model_url}/models/production", timeout=5)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_training_needs_the_admin_token(model_url: str) -> None:
    response = httpx.post(f"{model_url}/models/train", timeout=5)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_training_job_registers_and_promotes_the_first_model(
    model_url: str, admin_headers: dict[str, str]
) -> None:
    accepted = httpx.post(f"{model_url}/models/train", headers=admin_headers, timeout=5)
    assert accepted.status_code == 202
    assert accepted.json()["status"] == "queued"

    job = wait_for_job(model_url, accepted.json()["job_id"])

    assert job["status"] == "succeeded", job["error"]
    assert job["error"] is None
    assert job["result"]["version"] == 1 and job["result"]["promoted"] is True
    production = httpx.get(f"{model_url}/models/production", timeout=5).json()
    assert production["version"] == 1 and production["status"] == "production"
    assert production["training_rows"] == 1047
    for name in ("cv_accuracy_mean", "cv_accuracy_std", "holdout_accuracy", "roc_auc", "f1",
                 "brier"):  # fmt: skip
        assert production["metrics"][name] == job["result"]["metrics"][name]
    listed = httpx.get(f"{model_url}/models", timeout=5).json()["models"]
    assert [m["version"] for m in listed] == [1]


def test_promote_and_rollback_routes(
    model_url: str, admin_headers: dict[str, str], env: dict[str, str]
) -> None:
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        first = registry.get_production(conn)
        new = registry.NewVersion(**first.model_dump(include=set(registry.NewVersion.model_fields)))
        second = registry.register_version(
            conn, new, lambda _: (first.artifact_uri, first.artifact_sha256)
        )

    promoted = httpx.post(
        f"{model_url}/models/{second}/promote",
        json={"reason": "manual check"},
        headers=admin_headers,
        timeout=5,
    )
    assert promoted.status_code == 200
    assert promoted.json()["status_reason"] == "manual check"

    rolled = httpx.post(f"{model_url}/models/rollback", headers=admin_headers, timeout=5)
    assert rolled.status_code == 200 and rolled.json()["version"] == second - 1
    assert httpx.get(f"{model_url}/models/{second}", timeout=5).json()["status"] == "archived"


def test_bad_version_and_unknown_job_are_clear_errors(
    model_url: str, admin_headers: dict[str, str]
) -> None:
    bad = httpx.get(f"{model_url}/models/abc", timeout=5)
    missing = httpx.post(f"{model_url}/models/99/promote", headers=admin_headers, timeout=5)
    job = httpx.get(f"{model_url}/models/train/nope", timeout=5)

    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["fields"] == ["version"]
    assert missing.status_code == 404
    assert "model version 99 does not exist" in missing.json()["error"]["message"]
    assert job.status_code == 404


def test_cli_says_clearly_when_the_feature_store_is_down(env: dict[str, str]) -> None:
    down = {**env, "FEATURE_STORE_URL": f"http://127.0.0.1:{free_port()}"}

    done = subprocess.run(
        [str(ROOT / ".venv/bin/titanic-train")],
        env={**down, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 3, done.stderr
    assert "training failed: feature-store is unavailable" in done.stderr
