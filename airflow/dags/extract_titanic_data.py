"""
### extract_titanic_data

Loads new Titanic passenger CSVs from GCS into PostgreSQL and the feature store.

`list_files` finds objects under `gs://$GCS_BUCKET/$GCS_PREFIX` whose generation has no
successful ingestion run; for each one `download_file` streams it and verifies its
checksum, `validate` checks every row against the CSV contract (bad rows go to
`rejected_rows`; a bad header fails the file and loads nothing), `load_to_sql` upserts
the valid rows in one transaction, and `push_features` computes features with the
shared feature function and pushes them to the feature store. Success updates the
passengers Asset, which schedules `train_titanic_model`; `report` pushes
`ingest_rows{status}` and `ingest_last_success_timestamp_seconds` to the Pushgateway.

Configuration comes from the environment at run time (see docs/ingestion.md).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from airflow.sdk import Asset, TriggerRule, dag, get_current_context, task, task_group
from airflow.sdk.exceptions import AirflowFailException

from titanic_common.ingest.lineage import PASSENGERS_ASSET_NAME, PASSENGERS_ASSET_URI

PASSENGERS = Asset(name=PASSENGERS_ASSET_NAME, uri=PASSENGERS_ASSET_URI)

# Every task that talks to GCS, PostgreSQL, the feature store or the Pushgateway: the
# delay doubles per retry. TITANIC_RETRY_DELAY_SECONDS (an env read, no I/O) lets tests
# shorten it.
NETWORK_RETRIES = {
    "retries": 4,
    "retry_delay": timedelta(seconds=float(os.environ.get("TITANIC_RETRY_DELAY_SECONDS", "10"))),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=5),
}


def _settings():
    from titanic_common.ingest.settings import get_ingest_settings

    return get_ingest_settings()


def _run_id() -> str:
    return get_current_context()["run_id"]


@dag(
    dag_id="extract_titanic_data",
    schedule=timedelta(minutes=15),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["titanic", "ingestion"],
    doc_md=__doc__,
)
def extract_titanic_data():
    @task(**NETWORK_RETRIES)
    def list_files() -> list[dict]:
        """Objects under the prefix not loaded before (by generation)."""
        from titanic_common.ingest.pipeline import list_new_files

        return list_new_files(_settings())

    @task(**NETWORK_RETRIES)
    def download_file(obj: dict) -> dict:
        """Stream one object to local disk and verify its checksum."""
        from titanic_common.ingest.pipeline import download_file as download
        from titanic_common.ingest.validate import FileContractError

        try:
            return download(_settings(), obj, _run_id())
        except FileContractError as exc:  # too large: retrying cannot help
            raise AirflowFailException(str(exc)) from None

    @task(retries=0)
    def validate(downloaded: dict) -> dict:
        """Check every row against the CSV contract; a bad header fails the file."""
        from titanic_common.ingest.pipeline import validate_download
        from titanic_common.ingest.validate import FileContractError

        try:
            return validate_download(_settings(), downloaded, _run_id())
        except FileContractError as exc:
            raise AirflowFailException(str(exc)) from None

    @task(max_active_tis_per_dag=1, **NETWORK_RETRIES)
    def load_to_sql(request: dict) -> dict:
        """Upsert valid rows and store rejects in one transaction."""
        from titanic_common.ingest.pipeline import load_to_sql as load

        return load(_settings(), request)

    @task(outlets=[PASSENGERS], **NETWORK_RETRIES)
    def push_features(loaded: dict) -> dict:
        """Compute features for the loaded rows and push them to the feature store."""
        from titanic_common.ingest.pipeline import fail_run, push_loaded

        try:
            return push_loaded(_settings(), loaded)
        except Exception as exc:
            ti = get_current_context()["ti"]
            if ti.try_number > ti.max_tries:  # last try: leave the run marked failed
                fail_run(_settings(), loaded["run_id"], f"push_features: {exc}")
            raise

    @task(trigger_rule=TriggerRule.NONE_FAILED, **NETWORK_RETRIES)
    def report() -> dict:
        """Push run totals to the Pushgateway (skipped when PUSHGATEWAY_URL is unset)."""
        from titanic_common.ingest.pipeline import report as push_report

        return push_report(_settings(), _run_id())

    # One mapped group per file, so each file's chain depends only on its own tasks: a
    # refused file fails its own instances and never blocks the other files of the run.
    # Task ids stay unprefixed (download_file, validate, ...).
    @task_group(group_id="ingest_file", prefix_group_id=False)
    def ingest_file(obj: dict):
        return push_features(load_to_sql(validate(download_file(obj))))

    ingest_file.expand(obj=list_files()) >> report()


extract_titanic_data()
