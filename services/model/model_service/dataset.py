"""The training set: labels from PostgreSQL passengers joined on passenger_id with
features from the feature store's export."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
import psycopg
from pydantic import ValidationError

from model_service.frame import feature_frame
from model_service.settings import Settings
from titanic_common.errors import InvalidInputError
from titanic_common.feature_client import FeatureStoreClient
from titanic_common.features import FEATURE_NAMES, PassengerFeatures, RawPassenger
from titanic_common.features import compute_features as feature_function
from titanic_common.logging import get_logger

log = get_logger(__name__)


class TrainingDataError(InvalidInputError):
    """The data cannot train a model (too few rows, one class, malformed features)."""


class FeatureSource(Protocol):
    """Anything that streams passenger_features rows (FeatureStoreClient.iter_export)."""

    def iter_export(self) -> Iterable[Mapping[str, Any]]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Labels:
    survived: dict[int, int]
    ingestion_run_id: int | None


@dataclass(frozen=True)
class TrainingSet:
    """Model inputs indexed by passenger_id, labels, and where they came from."""

    frame: pd.DataFrame
    y: np.ndarray
    ingestion_run_id: int | None
    labels_without_features: int

    @property
    def ids(self) -> np.ndarray:
        return self.frame.index.to_numpy()


class ComputedFeatures:
    """A FeatureSource computing features in-process from Kaggle-contract passengers
    (demo data, tests); the same feature function ingestion uses."""

    def __init__(self, passengers: Iterable[Mapping[str, Any]]):
        self.passengers = list(passengers)

    def iter_export(self) -> Iterable[dict[str, Any]]:
        for p in self.passengers:
            raw = RawPassenger.model_validate({k.lower(): v for k, v in p.items()})
            yield {"passenger_id": p["PassengerId"], **feature_function(raw).model_dump()}

    def close(self) -> None:
        """Nothing to release; mirrors FeatureStoreClient.close."""


def feature_store_source(settings: Settings) -> FeatureStoreClient:
    """The feature-store export as the training feature source (close it after use)."""
    return FeatureStoreClient(
        settings.FEATURE_STORE_URL,
        token=settings.ADMIN_TOKEN,
        timeout=settings.FEATURE_EXPORT_TIMEOUT_SECONDS,
    )


def load_labels(conn: psycopg.Connection) -> Labels:
    """Labelled passengers and the newest ingestion run that loaded any of them."""
    rows = conn.execute(
        "SELECT passenger_id, survived, ingestion_run_id FROM passengers WHERE survived IS NOT NULL"
    ).fetchall()
    runs = [r[2] for r in rows if r[2] is not None]
    return Labels({r[0]: int(r[1]) for r in rows}, max(runs) if runs else None)


def _features(row: Mapping[str, Any]) -> PassengerFeatures:
    try:
        return PassengerFeatures.model_validate({n: row.get(n) for n in FEATURE_NAMES})
    except ValidationError as exc:
        fields = sorted({str(e["loc"][0]) for e in exc.errors()})
        raise TrainingDataError(
            f"feature row for passenger {row.get('passenger_id')} is invalid: {', '.join(fields)}",
            details={"passenger_id": row.get("passenger_id"), "fields": fields},
        ) from exc


def join_training_set(labels: Labels, feature_rows: Iterable[Mapping[str, Any]]) -> TrainingSet:
    """Labelled passengers that have features, in passenger_id order (deterministic)."""
    features: dict[int, PassengerFeatures] = {}
    for row in feature_rows:
        pid = int(row["passenger_id"])
        if pid in labels.survived:
            features[pid] = _features(row)
    ids = sorted(features)
    frame = feature_frame([features[i] for i in ids], index=ids)
    y = np.array([labels.survived[i] for i in ids], dtype=int)
    missing = len(labels.survived) - len(ids)
    if missing:
        log.warning("labels_without_features", count=missing)
    return TrainingSet(frame, y, labels.ingestion_run_id, missing)


def check_trainable(data: TrainingSet, min_rows: int, min_per_class: int) -> None:
    """Refuse data that cannot give an honest model, saying exactly why."""
    rows = len(data.y)
    if rows < min_rows:
        raise TrainingDataError(
            f"only {rows} labelled passengers with features; at least {min_rows} are needed"
            f" (TRAIN_MIN_ROWS); {data.labels_without_features} labels had no features",
            details={"rows": rows, "min_rows": min_rows},
        )
    counts = {c: int((data.y == c).sum()) for c in (0, 1)}
    if min(counts.values()) < min_per_class:
        raise TrainingDataError(
            f"survived has {counts[0]} zeros and {counts[1]} ones; each class needs at least"
            f" {min_per_class} rows for a stratified holdout and CV",
            details={"class_counts": counts, "min_per_class": min_per_class},
        )


def load_training_set(database_url: str, source: FeatureSource) -> TrainingSet:
    """Labels from PostgreSQL joined with the feature source's rows."""
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        labels = load_labels(conn)
    return join_training_set(labels, source.iter_export())
