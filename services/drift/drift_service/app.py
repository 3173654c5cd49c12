"""Drift service: wiring only; windows, detectors and references live in their modules."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis

from drift_service.monitor import DriftMonitor
from drift_service.reference import ReferenceHolder
from drift_service.routes import router
from drift_service.settings import Settings, get_settings
from drift_service.windows import RedisWindow
from titanic_common.app import create_app
from titanic_common.health import CheckResult, ReadinessCheck, postgres_check

REDIS_TIMEOUT_SECONDS = 1.0


def redis_check(redis: Redis) -> ReadinessCheck:
    """Ready when Redis answers PING."""

    async def check() -> CheckResult:
        await redis.ping()
        return CheckResult(True)

    return check


def reference_check(references: ReferenceHolder) -> ReadinessCheck:
    """Ready when the detector library is loaded and reference data is in memory."""

    async def check() -> CheckResult:
        if not references.detector_loaded:
            return CheckResult(False, f"loading the {references.backend} detector")
        if references.current is None:
            return CheckResult(False, references.problem)
        ref = references.current
        return CheckResult(True, f"model version {ref.model_version}, {len(ref.rows)} rows")

    return check


def build_monitor(settings: Settings, redis: Redis) -> DriftMonitor:
    """The monitor over a Redis window and an empty reference holder."""
    window = RedisWindow(
        redis, settings.DRIFT_WINDOW, settings.DRIFT_CHECK_EVERY, settings.DRIFT_MIN_WINDOW
    )
    references = ReferenceHolder(settings.DRIFT_BACKEND, settings.DRIFT_P_VALUE)
    return DriftMonitor(window, references, settings.DATABASE_URL, settings.DRIFT_MAX_BATCH)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    redis = Redis.from_url(
        str(settings.REDIS_URL),
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    monitor = build_monitor(settings, redis)
    app.state.monitor = monitor
    app.state.readiness_checks.update(
        postgres=postgres_check(settings.DATABASE_URL),
        redis=redis_check(redis),
        reference=reference_check(monitor.references),
    )
    # Background work, so /healthz answers while alibi imports and references load.
    tasks = [
        asyncio.create_task(monitor.references.preload_detector()),
        asyncio.create_task(
            monitor.references.poll(
                settings.DATABASE_URL,
                settings.FEATURE_STORE_URL,
                settings.DRIFT_REFERENCE_POLL_SECONDS,
            )
        ),
    ]
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    await redis.aclose()


def build_app() -> FastAPI:
    """App factory used by uvicorn (`--factory`)."""
    app = create_app(
        service="drift",
        title="Titanic drift service",
        description="Windowed drift detection of live inputs against training data.",
        settings=get_settings(),
        lifespan=lifespan,
        routers=[router],
    )
    return app
