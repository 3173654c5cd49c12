"""Feature-store service: wiring only; logic lives in the store modules."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from feature_store.gauges import keep_gauges_fresh
from feature_store.redis_client import create_redis, install_redis_error_handler, redis_check
from feature_store.registry import ViewRegistry
from feature_store.routes import feature_views, online
from feature_store.settings import Settings, get_settings
from feature_store.store import OnlineStore
from titanic_common.app import create_app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    redis = create_redis(str(settings.REDIS_URL), settings.REDIS_TIMEOUT_SECONDS)
    registry = ViewRegistry(redis, settings.FEATURE_STORE_VIEW_REFRESH_SECONDS)
    store = OnlineStore(redis)
    app.state.redis, app.state.registry, app.state.store = redis, registry, store
    app.state.readiness_checks["redis"] = redis_check(redis)
    # The first tick registers the built-in view; while Redis is down every request
    # retries that through the registry, so the service starts (unready) without Redis.
    refresher = asyncio.create_task(
        keep_gauges_fresh(registry, store, settings.FEATURE_STORE_METRICS_REFRESH_SECONDS)
    )
    try:
        yield
    finally:
        refresher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresher
        await redis.aclose()


def build_app() -> FastAPI:
    """App factory used by uvicorn (`--factory`)."""
    app = create_app(
        service="feature-store",
        title="Titanic feature store",
        description="Online feature store over Redis with a Feast-style API.",
        settings=get_settings(),
        lifespan=lifespan,
        routers=[online.router, feature_views.router],
    )
    install_redis_error_handler(app)
    return app
