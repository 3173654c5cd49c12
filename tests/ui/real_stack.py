"""Real backing services for the UI's end-to-end tests: PostgreSQL, Redis, feature
store and drift, each started as users run them, holding the 1309 demo passengers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from tests.support.db import create_migrated_database, drop_database
from tests.support.procs import ROOT, Proc, Service, free_port, start_redis, start_service
from titanic_common.demo_data import load_demo_passengers
from titanic_common.features import (
    FEATURE_VIEW,
    FEATURE_VIEW_VERSION,
    RawPassenger,
    compute_features,
)


def demo_feature_rows() -> list[dict]:
    """Every demo passenger as passenger_features v1 keyed by passenger_id."""
    rows = []
    for record in load_demo_passengers():
        raw = RawPassenger.model_validate({k.lower(): v for k, v in record.items()})
        rows.append({"passenger_id": record["PassengerId"], **compute_features(raw).model_dump()})
    return rows


def load_labelled_passengers(dsn: str) -> None:
    """The demo passengers with their labels, as an ingestion run would leave them."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        (run_id,) = conn.execute(
            "INSERT INTO ingestion_runs (source_uri, status) VALUES ('test://ui', 'succeeded')"
            " RETURNING id"
        ).fetchone()
        columns = ("PassengerId", "Survived", "Pclass", "Name", "Sex", "Age", "SibSp",
                   "Parch", "Ticket", "Fare", "Cabin", "Embarked")  # fmt: skip
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO passengers (passenger_id, survived, pclass, name, sex, age, sibsp,"
                " parch, ticket, fare, cabin, embarked, ingestion_run_id)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(*(p[c] for c in columns), run_id) for p in load_demo_passengers()],
            )


def train_model(stack: Stack) -> dict:
    """Run `titanic-train` as operators do, small enough to take seconds; its JSON result."""
    stack.env.update(
        MODEL_ARTIFACT_URI=f"file://{stack.tmp / 'models'}",
        TRAIN_N_ESTIMATORS="20",
        TRAIN_CV_REPEATS="1",
    )
    binary = shutil.which("titanic-train") or str(ROOT / ".venv" / "bin" / "titanic-train")
    done = subprocess.run(
        [binary], env={**os.environ, **stack.env}, capture_output=True, text=True, timeout=240
    )
    if done.returncode != 0:
        raise RuntimeError(f"titanic-train failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def register_production(dsn: str, version: int, training_rows: int) -> None:
    """A registry row naming the demo data as the production model's training data."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO model_versions (version, algorithm, feature_view,
                   feature_view_version, training_rows, artifact_uri, artifact_sha256,
                   status, promoted_at)
               VALUES (%s, 'random_forest', %s, %s, %s, 'file:///dev/null', 'x',
                       'production', now())""",
            (version, FEATURE_VIEW, FEATURE_VIEW_VERSION, training_rows),
        )


@dataclass
class Stack:
    """What was started, so that everything is stopped by PID in reverse order."""

    tmp: Path
    env: dict[str, str]
    dsn: str = ""
    stops: list[Callable[[], None]] = field(default_factory=list)

    def stop(self) -> None:
        for stop in reversed(self.stops):
            stop()


def start_data_services(tmp: Path, env: dict[str, str], token: str) -> Stack:
    """PostgreSQL database, Redis and a feature store loaded with the demo passengers."""
    stack = Stack(tmp, dict(env))
    stack.dsn = create_migrated_database("titanic_ui_e2e")
    stack.stops.append(lambda: drop_database(stack.dsn))
    redis: Proc
    redis, port = start_redis(tmp)
    stack.stops.append(redis.stop)
    stack.env.update(
        DATABASE_URL=stack.dsn,
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
        FEATURE_STORE_URL=f"http://127.0.0.1:{free_port()}",
    )
    store = start_service("titanic-feature-store", "FEATURE_STORE_URL", stack.env, tmp)
    stack.stops.append(store.stop)
    body = {
        "feature_view": FEATURE_VIEW,
        "feature_view_version": FEATURE_VIEW_VERSION,
        "rows": demo_feature_rows(),
    }
    headers = {"Authorization": f"Bearer {token}"}
    httpx.post(f"{store.url}/push", json=body, headers=headers, timeout=60).raise_for_status()
    return stack


def start_model(stack: Stack) -> Service:
    """The model service serving whatever the registry says is in production."""
    stack.env["MODEL_URL"] = f"http://127.0.0.1:{free_port()}"
    model = start_service("titanic-model", "MODEL_URL", stack.env, stack.tmp)
    stack.stops.append(model.stop)
    return model


def start_drift(stack: Stack) -> Service:
    """The drift service with a small window so a few posts make a check."""
    stack.env.setdefault("DRIFT_URL", f"http://127.0.0.1:{free_port()}")
    stack.env.update(
        DRIFT_WINDOW="100",
        DRIFT_MIN_WINDOW="50",
        DRIFT_CHECK_EVERY="50",
        DRIFT_REFERENCE_POLL_SECONDS="0.5",
        DRIFT_BACKEND="scipy",
    )
    drift = start_service("titanic-drift", "DRIFT_URL", stack.env, stack.tmp)
    stack.stops.append(drift.stop)
    return drift
