"""Keeps feature_store_entities current between pushes (TTL expiry, other replicas)."""

from __future__ import annotations

import asyncio

from feature_store.metrics import ENTITIES
from feature_store.redis_client import OUTAGE_ERRORS
from feature_store.registry import ViewRegistry
from feature_store.store import OnlineStore
from titanic_common.logging import get_logger

log = get_logger(__name__)


async def refresh_entity_gauges(registry: ViewRegistry, store: OnlineStore) -> None:
    """Set the entity gauge of every view from the ZCARD of its latest version."""
    for name in registry.names():
        view = await registry.get(name)
        ENTITIES.labels(feature_view=name).set(await store.count(view))


async def keep_gauges_fresh(
    registry: ViewRegistry, store: OnlineStore, interval_seconds: float
) -> None:
    """Refresh forever; an outage is logged and retried at the next tick."""
    while True:
        try:
            await registry.load()
            await refresh_entity_gauges(registry, store)
        except OUTAGE_ERRORS as exc:
            log.warning("entity_gauge_refresh_failed", reason=type(exc).__name__)
        await asyncio.sleep(interval_seconds)
