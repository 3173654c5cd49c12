"""Online routes: push rows, look up features for a batch of entities (Feast-shaped)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends
from fastapi.responses import Response

from feature_store.body import documented_body, json_body
from feature_store.deps import RegistryDep, StoreDep, require_admin
from feature_store.metrics import ENTITIES, ROWS_WRITTEN, record_lookups
from feature_store.models import (
    OnlineFeaturesRequest,
    OnlineFeaturesResponse,
    PushRequest,
    PushResponse,
)
from feature_store.online import online_response, resolve_features
from feature_store.schema import RowError
from titanic_common.errors import InvalidInputError
from titanic_common.logging import get_logger

router = APIRouter(tags=["online"])
log = get_logger(__name__)
MAX_REPORTED_ERRORS = 100


@router.post(
    "/push",
    response_model=PushResponse,
    dependencies=[Depends(require_admin)],
    openapi_extra=documented_body(PushRequest),
)
async def push_features(
    body: Annotated[PushRequest, Depends(json_body(PushRequest))],
    registry: RegistryDep,
    store: StoreDep,
) -> PushResponse:
    """Validate every row against the view's schema, then write all of them or none."""
    view = await registry.get(body.feature_view, body.feature_view_version)
    rows, errors = view.validate_rows(body.rows, datetime.now(UTC))
    if errors:
        raise _rows_invalid(errors)
    entities = await store.push(view, rows)
    ROWS_WRITTEN.inc(len(rows))
    if registry.is_latest(view):
        ENTITIES.labels(feature_view=view.name).set(entities)
    log.info("features_pushed", view=view.name, version=view.version, rows=len(rows))
    return PushResponse(written=len(rows))


@router.post("/get-online-features", response_model=OnlineFeaturesResponse)
async def get_online_features(
    body: OnlineFeaturesRequest, registry: RegistryDep, store: StoreDep
) -> Response:
    """Features of many entities in one round trip, with PRESENT / NOT_FOUND per value."""
    view = await registry.get(body.feature_view, body.feature_view_version)
    names = resolve_features(view, body.features)
    ids = body.entities.passenger_id
    raws = await store.read(view, ids, None if body.features is None else names)
    record_lookups(raw is not None for raw in raws)
    # orjson straight to bytes: the columnar body is the hot path's biggest cost otherwise.
    content = orjson.dumps(online_response(view, ids, names, raws))
    return Response(content, media_type="application/json")


def _rows_invalid(errors: list[RowError]) -> InvalidInputError:
    details = [e.as_detail() for e in errors[:MAX_REPORTED_ERRORS]]
    summary = ", ".join(f"{d['field']}: {d['message']}" for d in details[:5])
    return InvalidInputError(
        f"invalid input: {len(errors)} problem(s) in rows; nothing was written: {summary}",
        details={
            "fields": sorted({d["field"] for d in details}),
            "errors": details,
            "total_errors": len(errors),
        },
    )
