"""Put the demo passengers into a test stack the way ingestion does, and train a model."""

from __future__ import annotations

import time

import httpx
import psycopg

from titanic_common.demo_data import load_demo_passengers
from titanic_common.feature_client import FeatureStoreClient
from titanic_common.features import compute_features
from titanic_common.ingest.contract import COLUMNS, FIELDS, PassengerRow

# Small enough to train 1309 rows in seconds through the real training path.
FAST_TRAINING_ENV = {"TRAIN_N_ESTIMATORS": "25", "TRAIN_CV_REPEATS": "1"}


def demo_rows() -> list[PassengerRow]:
    """The demo passengers validated by the CSV contract."""
    return [
        PassengerRow(**{COLUMNS[k]: v for k, v in p.items() if v not in (None, "")})
        for p in load_demo_passengers()
    ]


def load_passengers(dsn: str, rows: list[PassengerRow]) -> None:
    """Insert rows into passengers under one succeeded ingestion run."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        (run_id,) = conn.execute(
            "INSERT INTO ingestion_runs (source_uri, status, rows_total, rows_loaded)"
            " VALUES ('test://demo', 'succeeded', %s, %s) RETURNING id",
            (len(rows), len(rows)),
        ).fetchone()
        columns = ", ".join(FIELDS)
        with conn.cursor().copy(f"COPY passengers ({columns}, ingestion_run_id) FROM STDIN") as cp:
            for row in rows:
                cp.write_row((*row.as_record(), run_id))


def push_features(feature_store_url: str, token: str, rows: list[PassengerRow]) -> int:
    """Features from the one feature function, pushed through the client."""
    with FeatureStoreClient(feature_store_url, token=token, timeout=30) as client:
        return client.store_batch_features(
            [{"passenger_id": r.passenger_id, **compute_features(r).model_dump()} for r in rows]
        )


def train_production_model(model_url: str, token: str, timeout: float = 300) -> int:
    """POST /models/train, wait for the job; returns the promoted version."""
    headers = {"Authorization": f"Bearer {token}"}
    job = httpx.post(f"{model_url}/models/train", headers=headers, timeout=30).json()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = httpx.get(f"{model_url}/models/train/{job['job_id']}", timeout=30).json()
        if state["status"] == "failed":
            raise RuntimeError(f"training failed: {state['error']}")
        if state["status"] == "succeeded":
            if not state["result"]["promoted"]:
                raise RuntimeError(f"model not promoted: {state['result']['reason']}")
            return state["result"]["version"]
        time.sleep(1)
    raise TimeoutError("training did not finish")


def wait_until_ready(url: str, timeout: float = 120) -> None:
    """Wait for /readyz to say ready (a service picking up the production model)."""
    deadline = time.monotonic() + timeout
    body = ""
    while time.monotonic() < deadline:
        response = httpx.get(f"{url}/readyz", timeout=10)
        if response.status_code == 200:
            return
        body = response.text
        time.sleep(1)
    raise TimeoutError(f"{url} not ready: {body}")
