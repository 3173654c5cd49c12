"""
### train_titanic_model

Trains, evaluates and registers a model when `extract_titanic_data` has loaded new
passengers (scheduled on the passengers Asset).

`start_training` asks the model service (`POST $MODEL_URL/models/train`, admin token) to
start a job; `wait_for_training` polls it and fails loudly when the job fails;
`report` pushes `train_last_success_timestamp_seconds` to the Pushgateway. Whether the
new version is promoted is the model service's decision; the result is in the task log.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from airflow.sdk import Asset, dag, task
from airflow.sdk.exceptions import AirflowFailException

from titanic_common.ingest.lineage import PASSENGERS_ASSET_NAME, PASSENGERS_ASSET_URI

PASSENGERS = Asset(name=PASSENGERS_ASSET_NAME, uri=PASSENGERS_ASSET_URI)

# The delay doubles per retry; TITANIC_RETRY_DELAY_SECONDS lets tests shorten it.
NETWORK_RETRIES = {
    "retries": 3,
    "retry_delay": timedelta(seconds=float(os.environ.get("TITANIC_RETRY_DELAY_SECONDS", "10"))),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=5),
}


def _settings():
    from titanic_common.ingest.settings import get_ingest_settings

    return get_ingest_settings()


def _model_client(settings):
    from titanic_common.http import sync_client

    return sync_client(
        settings.MODEL_URL,
        timeout=max(settings.HTTP_TIMEOUT_SECONDS, 10.0),
        headers={"Authorization": f"Bearer {settings.ADMIN_TOKEN}"},
    )


@dag(
    dag_id="train_titanic_model",
    schedule=[PASSENGERS],
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["titanic", "training"],
    doc_md=__doc__,
)
def train_titanic_model():
    @task(**NETWORK_RETRIES)
    def start_training() -> str:
        """Start a training job on the model service; returns its id."""
        from titanic_common.ingest.training import start_training as start

        with _model_client(_settings()) as client:
            return start(client)

    @task(**NETWORK_RETRIES)
    def wait_for_training(job_id: str) -> dict:
        """Poll the job until it ends; a failed job fails this task without retries."""
        from titanic_common.ingest.training import TrainingFailedError, wait_for_training

        settings = _settings()
        with _model_client(settings) as client:
            try:
                result = wait_for_training(
                    client, job_id, settings.TRAIN_POLL_SECONDS, settings.TRAIN_TIMEOUT_SECONDS
                )
            except TrainingFailedError as exc:
                raise AirflowFailException(str(exc)) from None
        return result.model_dump()

    @task(**NETWORK_RETRIES)
    def report(result: dict) -> None:
        """Push train_last_success_timestamp_seconds."""
        from titanic_common.ingest.metrics import push_train_metrics

        push_train_metrics(_settings().PUSHGATEWAY_URL)

    report(wait_for_training(start_training()))


train_titanic_model()
