"""Feature-store service: wiring only; logic lives in the store modules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis

from feature_store.settings import get_settings
from titanic_common.app import create_app
from titanic_common.health import CheckResult


def redis_check(redis: Redis):
    """Ready when Redis answers PING."""

    async def check() -> CheckResult:
        await redis.ping()
        return CheckResult(True)

    return check


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    redis = Redis.from_url(
        str(settings.REDIS_URL),
        socket_timeout=settings.REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=settings.REDIS_TIMEOUT_SECONDS,
    )
    app.state.redis = redis
    app.state.readiness_checks["redis"] = redis_check(redis)
    yield
    await redis.aclose()


def build_app() -> FastAPI:
    """App factory used by uvicorn (`--factory`)."""
    return create_app(
        service="feature-store",
        title="Titanic feature store",
        description="Online feature store over Redis with a Feast-style API.",
        settings=get_settings(),
        lifespan=lifespan,
    )
