"""Model-service fixtures. Training/registry fixtures first; serving fixtures below."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from model_service.dataset import ComputedFeatures, Labels, TrainingSet, join_training_set
from model_service.settings import Settings
from model_service.training import TrainConfig
from tests.conftest import ADMIN_TOKEN
from tests.support.db import create_migrated_database, drop_database
from titanic_common.demo_data import load_demo_passengers

# Small enough to train 1309 rows in seconds; the same code path as the default config.
FAST_TRAIN = {"n_estimators": 20, "grid": {"max_depth": [4, None]}, "cv_repeats": 1}


@pytest.fixture(scope="session")
def demo_passengers() -> list[dict[str, Any]]:
    return load_demo_passengers()


def demo_labels(passengers: list[dict[str, Any]]) -> Labels:
    return Labels({p["PassengerId"]: p["Survived"] for p in passengers}, ingestion_run_id=None)


@pytest.fixture(scope="session")
def demo_training_set(demo_passengers: list[dict[str, Any]]) -> TrainingSet:
    """The demo data joined exactly as training joins the feature store's export."""
    return join_training_set(
        demo_labels(demo_passengers), ComputedFeatures(demo_passengers).iter_export()
    )


@pytest.fixture(scope="session")
def fast_config() -> TrainConfig:
    return TrainConfig(**FAST_TRAIN)


def insert_passengers(dsn: str, passengers: list[dict[str, Any]]) -> int:
    """Load Kaggle-contract rows into passengers under one ingestion run; returns the run id."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        (run_id,) = conn.execute(
            "INSERT INTO ingestion_runs (source_uri, status) VALUES ('test://demo', 'succeeded')"
            " RETURNING id"
        ).fetchone()
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO passengers (passenger_id, survived, pclass, name, sex, age, sibsp,"
                " parch, ticket, fare, cabin, embarked, ingestion_run_id) VALUES"
                " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (passenger_id) DO NOTHING",
                [
                    (
                        p["PassengerId"], p["Survived"], p["Pclass"], p["Name"], p["Sex"],
                        p["Age"], p["SibSp"], p["Parch"], p["Ticket"], p["Fare"], p["Cabin"],
                        p["Embarked"], run_id,
                    )
                    for p in passengers
                ],
            )  # fmt: skip
    return run_id


@pytest.fixture(scope="module")
def registry_db() -> Iterator[str]:
    """A database of this module's own, so registry state never leaks between modules."""
    dsn = create_migrated_database("titanic_registry")
    yield dsn
    drop_database(dsn)


def model_settings(dsn: str, gcs: dict[str, str], **extra: Any) -> Settings:
    return Settings(
        ADMIN_TOKEN=ADMIN_TOKEN,
        APP_ENV="test",
        DATABASE_URL=dsn,
        MODEL_ARTIFACT_URI=gcs["MODEL_ARTIFACT_URI"],
        GCS_PROJECT=gcs["GCS_PROJECT"],
        STORAGE_EMULATOR_HOST=gcs["STORAGE_EMULATOR_HOST"],
        TRAIN_N_ESTIMATORS=FAST_TRAIN["n_estimators"],
        TRAIN_CV_REPEATS=FAST_TRAIN["cv_repeats"],
        **extra,
    )
