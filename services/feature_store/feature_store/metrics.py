"""Feature-store metrics (names fixed by ARCHITECTURE.md), in the default registry."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Gauge

ENTITIES = Gauge(
    "feature_store_entities",
    "Entities stored in the latest version of each feature view",
    ["feature_view"],
)
ROWS_WRITTEN = Counter("feature_store_rows_written_total", "Feature rows written by pushes")
LOOKUPS = Counter(
    "feature_store_lookups_total",
    "Entity lookups by outcome (one per entity asked for)",
    ["status"],
)


def record_lookups(statuses: Iterable[bool]) -> None:
    """Count found (PRESENT) and missing (NOT_FOUND) entities of one lookup."""
    found = missing = 0
    for present in statuses:
        if present:
            found += 1
        else:
            missing += 1
    if found:
        LOOKUPS.labels(status="PRESENT").inc(found)
    if missing:
        LOOKUPS.labels(status="NOT_FOUND").inc(missing)
