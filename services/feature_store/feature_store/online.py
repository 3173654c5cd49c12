"""Feast-shaped online responses and feature-name resolution, free of Redis and HTTP."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from feature_store.keys import TIMESTAMP_FIELD
from feature_store.schema import ENTITY_KEY, FeatureView
from titanic_common.errors import InvalidInputError

PRESENT = "PRESENT"
NOT_FOUND = "NOT_FOUND"
# Feast gives the entity column the epoch as its timestamp; keep that for familiarity.
ENTITY_TIMESTAMP = "1970-01-01T00:00:00Z"
_TS = TIMESTAMP_FIELD.encode()


def resolve_features(view: FeatureView, requested: Sequence[str] | None) -> list[str]:
    """Plain names or Feast references ("view:feature") -> this view's feature names."""
    if requested is None:
        return list(view.feature_names)
    names, errors = [], []
    for index, ref in enumerate(requested):
        prefix, sep, name = ref.rpartition(":")
        if sep and prefix != view.name:
            errors.append((index, ref, f"reference {ref!r} is not to view {view.name!r}"))
        elif name not in view.spec.features:
            errors.append((index, ref, f"unknown feature {name!r} in view {view.name!r}"))
        else:
            names.append(name)
    if errors:
        details = [
            {"field": f"features.{i}", "message": msg, "type": "unknown_feature"}
            for i, _, msg in errors
        ]
        raise InvalidInputError(
            "invalid input: " + "; ".join(msg for _, _, msg in errors[:5]),
            details={"fields": [d["field"] for d in details], "errors": details},
        )
    return names


def online_response(
    view: FeatureView,
    entity_ids: Sequence[int],
    names: Sequence[str],
    raws: Sequence[dict[bytes, bytes] | None],
) -> dict[str, Any]:
    """Columnar Feast response: the entity column first, then one column per feature."""
    decoders = view.decoders(names)
    columns: list[list[Any]] = [[] for _ in decoders]
    statuses: list[str] = []
    timestamps: list[str | None] = []
    for raw in raws:
        if raw is None:
            statuses.append(NOT_FOUND)
            timestamps.append(None)
            for column in columns:
                column.append(None)
            continue
        statuses.append(PRESENT)
        stamp = raw.get(_TS)
        timestamps.append(stamp.decode() if stamp is not None else None)
        for column, (key, decoder) in zip(columns, decoders, strict=True):
            value = raw.get(key)
            column.append(None if value is None else decoder(value))
    entity_column = {
        "values": list(entity_ids),
        "statuses": [PRESENT] * len(entity_ids),
        "event_timestamps": [ENTITY_TIMESTAMP] * len(entity_ids),
    }
    return {
        "metadata": {"feature_names": [ENTITY_KEY, *names]},
        "results": [
            entity_column,
            *(
                {"values": column, "statuses": statuses, "event_timestamps": timestamps}
                for column in columns
            ),
        ],
    }


def entity_row(view: FeatureView, entity_id: int, raw: dict[bytes, bytes]) -> dict[str, Any]:
    """One export line: passenger_id, every feature, event_timestamp."""
    stamp = raw.get(_TS)
    return {
        ENTITY_KEY: entity_id,
        **view.decode(raw),
        "event_timestamp": stamp.decode() if stamp is not None else None,
    }
