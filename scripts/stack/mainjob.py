"""The main job on a running stack: demo data into the bucket, the ingestion DAG
triggered through Airflow's REST API, training started by the Asset, a production
model, and a summary. Safe to run again: an unchanged object is not uploaded twice and
a stack that already serves a model is left as it is.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import httpx
import psycopg
from rich.console import Console

from scripts.seed import SeedSettings, demo_csv, upload
from titanic_common.storage import gcs_filesystem

INGEST_DAG = "extract_titanic_data"
TRAIN_DAG = "train_titanic_model"
DEMO_OBJECT = "demo.csv"
FINISHED = {"success", "failed"}


class MainJobError(RuntimeError):
    pass


@dataclass
class Summary:
    rows_loaded: int | None
    rows_rejected: int | None
    model_version: int | None
    cv_accuracy_mean: float | None
    cv_accuracy_std: float | None


class AirflowApi:
    """The few calls of Airflow's public REST API the main job needs."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(
            base_url=base_url,
            timeout=30.0,
            transport=httpx.HTTPTransport(retries=3),
        )

    def _auth(self) -> dict[str, str]:
        # simple_auth_manager_all_admins issues a token without credentials (local runs).
        token = self.client.get("/auth/token").raise_for_status().json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    def dag_parsed(self, dag_id: str) -> bool:
        return self.client.get(f"/api/v2/dags/{dag_id}", headers=self._auth()).status_code == 200

    def trigger(self, dag_id: str) -> str:
        response = self.client.post(
            f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None}, headers=self._auth()
        )
        response.raise_for_status()
        return response.json()["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        response = self.client.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}", headers=self._auth())
        return response.raise_for_status().json()["state"]

    def latest_run(self, dag_id: str) -> dict | None:
        response = self.client.get(
            f"/api/v2/dags/{dag_id}/dagRuns",
            params={"order_by": "-run_after", "limit": 1},
            headers=self._auth(),
        )
        runs = response.raise_for_status().json()["dag_runs"]
        return runs[0] if runs else None


def _wait(what: str, check, timeout: float, console: Console, interval: float = 2.0):
    deadline = time.monotonic() + timeout
    with console.status(what):
        while time.monotonic() < deadline:
            try:
                result = check()
            except httpx.HTTPError:
                result = None  # a busy api-server answers late; ask again
            if result:
                return result
            time.sleep(interval)
    raise MainJobError(f"timed out after {timeout:.0f}s: {what}")


def seed_demo(env: dict[str, str]) -> bool:
    """Upload the demo CSV unless the bucket already holds the same bytes."""
    settings = SeedSettings(**{k: env[k] for k in SeedSettings.model_fields if env.get(k)})
    data = demo_csv()
    fs = gcs_filesystem(settings.GCS_PROJECT, settings.STORAGE_EMULATOR_HOST or None)
    path = "/".join(
        p for p in (settings.GCS_BUCKET, settings.GCS_PREFIX.strip("/"), DEMO_OBJECT) if p
    )
    if fs.exists(path) and hashlib.sha256(fs.cat(path)).digest() == hashlib.sha256(data).digest():
        return False
    upload(data, DEMO_OBJECT, settings)
    return True


def _production(model_url: str) -> dict | None:
    try:
        response = httpx.get(f"{model_url}/models/production", timeout=5)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


def _last_ingestion(dsn: str) -> tuple[int | None, int | None]:
    with psycopg.connect(dsn, connect_timeout=5) as conn:
        row = conn.execute(
            """SELECT rows_loaded, rows_rejected FROM ingestion_runs
               WHERE status = 'succeeded' ORDER BY finished_at DESC NULLS LAST LIMIT 1"""
        ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def run(env: dict[str, str], console: Console, timeout: float = 900) -> Summary:
    """Seed, ingest through Airflow, train from the Asset, wait for a production model."""
    uploaded = seed_demo(env)
    console.print("demo data: " + ("uploaded to the bucket" if uploaded else "already there"))
    production = _production(env["MODEL_URL"])
    if uploaded or production is None:
        api = AirflowApi(env["AIRFLOW_URL"])
        _wait(f"Airflow parsing {INGEST_DAG}", lambda: api.dag_parsed(INGEST_DAG), 300, console)
        _wait(f"Airflow parsing {TRAIN_DAG}", lambda: api.dag_parsed(TRAIN_DAG), 300, console)
        before = _wait("reading training runs", lambda: [api.latest_run(TRAIN_DAG)], 120, console)[
            0
        ]
        run_id = _wait(f"triggering {INGEST_DAG}", lambda: api.trigger(INGEST_DAG), 120, console)
        console.print(f"triggered {INGEST_DAG} run {run_id}")
        state = _wait(
            f"ingesting ({INGEST_DAG})",
            lambda: (s := api.run_state(INGEST_DAG, run_id)) in FINISHED and s,
            timeout,
            console,
        )
        if state != "success":
            raise MainJobError(f"{INGEST_DAG} run {run_id} {state}: see the Airflow UI")

        def training_done() -> str | None:
            latest = api.latest_run(TRAIN_DAG)
            if not latest or (before and latest["dag_run_id"] == before["dag_run_id"]):
                return None
            return latest["state"] if latest["state"] in FINISHED else None

        state = _wait(
            f"training ({TRAIN_DAG}, started by the Asset)", training_done, timeout, console
        )
        if state != "success":
            raise MainJobError(f"{TRAIN_DAG} {state}: see the Airflow UI and .run/logs/model.log")
        production = _wait(
            "model service loading the production model",
            lambda: _production(env["MODEL_URL"]),
            120,
            console,
        )
    if production is None:
        raise MainJobError("no production model after training: see docs/model.md")
    loaded, rejected = _last_ingestion(env["DATABASE_URL"])
    metrics = production.get("metrics", {})
    return Summary(
        rows_loaded=loaded,
        rows_rejected=rejected,
        model_version=production.get("version"),
        cv_accuracy_mean=metrics.get("cv_accuracy_mean"),
        cv_accuracy_std=metrics.get("cv_accuracy_std"),
    )
