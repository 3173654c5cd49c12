"""Feature-view routes: register and describe views, read entities, page ids, export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import StreamingResponse

from feature_store.deps import RegistryDep, StoreDep, require_admin
from feature_store.models import (
    EntityPage,
    EntityResponse,
    FeatureViewDetail,
    FeatureViewInfo,
    FeatureViewList,
    RegisterViewRequest,
)
from feature_store.online import entity_row
from feature_store.schema import NAME_PATTERN, FeatureView, FeatureViewSpec
from titanic_common.errors import InvalidInputError, NotFoundError
from titanic_common.logging import get_logger

router = APIRouter(prefix="/feature-views", tags=["feature views"])
log = get_logger(__name__)

ViewName = Annotated[str, Path(pattern=NAME_PATTERN, description="feature view name")]
Version = Annotated[int | None, Query(ge=1, description="view version; default latest")]


def _info(view: FeatureView) -> FeatureViewInfo:
    return FeatureViewInfo(**view.spec.model_dump())


@router.get("", response_model=FeatureViewList)
async def list_feature_views(registry: RegistryDep) -> FeatureViewList:
    """Every registered feature view version."""
    return FeatureViewList(feature_views=[_info(v) for v in await registry.all_views()])


@router.post(
    "",
    response_model=FeatureViewInfo,
    status_code=201,
    dependencies=[Depends(require_admin)],
    responses={409: {"description": "this name and version exist with another schema"}},
)
async def register_feature_view(
    body: RegisterViewRequest, registry: RegistryDep
) -> FeatureViewInfo:
    """Register a view version; the same definition again is accepted, another is a 409."""
    view, _ = await registry.register(FeatureViewSpec(**body.model_dump()))
    return _info(view)


@router.get("/{view}", response_model=FeatureViewDetail)
async def read_feature_view(
    view: ViewName, registry: RegistryDep, store: StoreDep, version: Version = None
) -> FeatureViewDetail:
    """One view version (default latest), its versions and its entity count."""
    found = await registry.get(view, version)
    versions = [v.version for v in await registry.all_views() if v.name == view]
    return FeatureViewDetail(
        **_info(found).model_dump(), versions=versions, entities=await store.count(found)
    )


@router.get("/{view}/entities", response_model=EntityPage)
async def list_entities(
    view: ViewName,
    registry: RegistryDep,
    store: StoreDep,
    version: Version = None,
    cursor: Annotated[str | None, Query(max_length=32, description="from next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> EntityPage:
    """Entity ids in ascending order, a page at a time; follow next_cursor until null."""
    found = await registry.get(view, version)
    after = _parse_cursor(cursor)
    ids, more, total = await store.page_ids(found, after, limit)
    return EntityPage(entity_ids=ids, next_cursor=str(ids[-1]) if more else None, total=total)


@router.get(
    "/{view}/entities/{passenger_id}",
    response_model=EntityResponse,
    responses={404: {"description": "no features stored for this entity"}},
)
async def read_entity(
    view: ViewName,
    passenger_id: Annotated[int, Path(ge=0)],
    registry: RegistryDep,
    store: StoreDep,
    version: Version = None,
) -> EntityResponse:
    """One entity's features."""
    found = await registry.get(view, version)
    raw = await store.read_one(found, passenger_id)
    if raw is None:
        raise NotFoundError(
            f"passenger {passenger_id} has no features in {found.name} v{found.version}",
            details={"feature_view": found.name, "passenger_id": passenger_id},
        )
    row = entity_row(found, passenger_id, raw)
    return EntityResponse(
        feature_view=found.name,
        feature_view_version=found.version,
        passenger_id=row.pop("passenger_id"),
        event_timestamp=row.pop("event_timestamp"),
        features=row,
    )


@router.get(
    "/{view}/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
async def export_feature_view(
    view: ViewName, registry: RegistryDep, store: StoreDep, version: Version = None
) -> StreamingResponse:
    """Every row as NDJSON (passenger_id, features, event_timestamp), streamed by pages."""
    found = await registry.get(view, version)
    pages = store.iter_pages(found)
    # Read the first page before answering, so a Redis outage is a 503 and not a
    # truncated 200.
    first = await anext(pages)
    return StreamingResponse(_ndjson(found, first, pages), media_type="application/x-ndjson")


async def _ndjson(
    view: FeatureView,
    first: list,
    pages: AsyncIterator[list],
) -> AsyncIterator[bytes]:
    rows = 0
    try:
        page = first
        while True:
            if page:
                rows += len(page)
                yield b"".join(orjson.dumps(entity_row(view, i, raw)) + b"\n" for i, raw in page)
            page = await anext(pages, None)
            if page is None:
                break
    except Exception:
        # Headers are gone already: end the stream abruptly so the reader sees a
        # truncated body instead of a clean end of data.
        log.error("export_aborted", view=view.name, version=view.version, rows=rows)
        raise
    log.info("export_done", view=view.name, version=view.version, rows=rows)


def _parse_cursor(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit():
        raise InvalidInputError(
            "invalid input: cursor: use the next_cursor of the previous page",
            details={"fields": ["cursor"], "errors": [{"field": "cursor", "type": "cursor"}]},
        )
    return int(cursor)
