"""Compute features for loaded rows with the one feature function and push them in batches."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Protocol

from titanic_common.features import compute_features
from titanic_common.ingest.contract import FIELDS, PassengerRow, row_data
from titanic_common.logging import get_logger

log = get_logger(__name__)


class BatchWriter(Protocol):
    """What push needs from the feature-store client."""

    def store_batch_features(self, rows: list[dict], batch_size: int = 1000) -> int: ...


def feature_rows(valid_path: Path) -> Iterator[dict]:
    """{"passenger_id", **passenger_features} for each row of a validated file."""
    with valid_path.open(newline="", encoding="utf-8") as src:
        records = csv.reader(src)
        next(records, None)  # the header line
        for record in records:
            row = PassengerRow.model_validate(row_data(FIELDS, record))
            features = compute_features(row).model_dump()
            yield {"passenger_id": row.passenger_id, **features}


def push_features(valid_path: Path, client: BatchWriter, batch_size: int = 1000) -> int:
    """Push every row's features; returns the number of rows written."""
    written = 0
    rows = feature_rows(valid_path)
    # Groups of several batches bound memory while letting the client pipeline.
    while group := list(islice(rows, batch_size * 10)):
        written += client.store_batch_features(group, batch_size=batch_size)
    log.info("features_pushed", source=str(valid_path), rows=written)
    return written
