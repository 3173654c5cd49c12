"""Realistic reference rows for drift tests: the 1309 demo passengers, mapped through
the one feature function (titanic_common.features.compute_features)."""

from __future__ import annotations

from functools import cache

from titanic_common.demo_data import load_demo_passengers
from titanic_common.features import PassengerFeatures, RawPassenger, compute_features


@cache
def demo_features() -> tuple[PassengerFeatures, ...]:
    """Every demo passenger as passenger_features v1."""
    return tuple(
        compute_features(RawPassenger.model_validate({k.lower(): v for k, v in row.items()}))
        for row in load_demo_passengers()
    )


def demo_rows() -> list[dict]:
    """Demo features as JSON-ready dicts (what POST /observations takes)."""
    return [f.model_dump() for f in demo_features()]


def demo_export_rows() -> list[dict]:
    """Demo features keyed by passenger_id, as the feature store's /push takes them."""
    return [{"passenger_id": i, **row} for i, row in enumerate(demo_rows(), start=1)]
