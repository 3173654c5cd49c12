"""train_titanic_model run by dag.test() against a real model service, after ingestion."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.airflow.conftest import DagRunner
from tests.airflow.test_extract_dag import run_extract, seed
from tests.support.procs import Service, free_port, start_service

pytestmark = pytest.mark.slow


@pytest.fixture
def model_service(ingest_env: dict[str, str], artifacts_dir: Path) -> Iterator[Service]:
    env = {
        **ingest_env,
        "APP_ENV": "test",
        "MODEL_URL": f"http://127.0.0.1:{free_port()}",
        "MODEL_ARTIFACT_URI": f"gs://{ingest_env['GCS_BUCKET']}/models-{uuid.uuid4().hex[:8]}",
        "TRAIN_N_ESTIMATORS": "25",  # a small forest: this tests the DAG, not the model
        "TRAIN_CV_REPEATS": "1",
    }
    service = start_service("titanic-model", "MODEL_URL", env, artifacts_dir)
    yield service
    service.stop()


def test_training_dag_fails_loudly_then_registers_a_version_after_ingestion(
    dag_runner: DagRunner, ingest_env: dict[str, str], model_service: Service
) -> None:
    env = {**ingest_env, "MODEL_URL": model_service.url, "TRAIN_POLL_SECONDS": "0.5"}

    empty = dag_runner.call("run", env, "train_titanic_model")  # no passengers loaded yet
    assert empty["state"] == "failed"
    assert "training job" in empty["log"] and "failed:" in empty["log"]

    seed(ingest_env)
    assert run_extract(dag_runner, ingest_env)["state"] == "success"
    trained = dag_runner.call("run", env, "train_titanic_model")

    assert trained["state"] == "success", trained["log"][-3000:]
    with psycopg.connect(ingest_env["DATABASE_URL"]) as conn:
        versions = conn.execute("SELECT training_rows, status FROM model_versions").fetchall()
    assert len(versions) == 1 and versions[0][0] > 1000
    assert "training_succeeded" in trained["log"]
