"""Drift service: wiring only; windows and detectors live in their modules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis

from drift_service.settings import get_settings
from titanic_common.app import create_app
from titanic_common.health import CheckResult, postgres_check


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    redis = Redis.from_url(str(settings.REDIS_URL), socket_timeout=0.5, socket_connect_timeout=0.5)

    async def redis_ready() -> CheckResult:
        await redis.ping()
        return CheckResult(True)

    async def reference_ready() -> CheckResult:
        return CheckResult(False, "reference data not loaded: no production model yet")

    app.state.readiness_checks.update(
        postgres=postgres_check(settings.DATABASE_URL), redis=redis_ready, reference=reference_ready
    )
    yield
    await redis.aclose()


def build_app() -> FastAPI:
    """App factory used by uvicorn (`--factory`)."""
    return create_app(
        service="drift",
        title="Titanic drift service",
        description="Windowed drift detection of live inputs against training data.",
        settings=get_settings(),
        lifespan=lifespan,
    )
