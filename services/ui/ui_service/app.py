"""UI service: wiring only; pages live in their modules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from titanic_common.app import create_app
from titanic_common.health import http_check
from titanic_common.http import async_client
from ui_service.settings import get_settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    model = async_client(settings.MODEL_URL, settings.HTTP_TIMEOUT_SECONDS)
    drift = async_client(settings.DRIFT_URL, settings.HTTP_TIMEOUT_SECONDS)
    app.state.model_client, app.state.drift_client = model, drift
    app.state.readiness_checks.update(model=http_check(model), drift=http_check(drift))
    yield
    await model.aclose()
    await drift.aclose()


def build_app() -> FastAPI:
    """App factory used by uvicorn (`--factory`)."""
    return create_app(
        service="ui",
        title="Titanic UI",
        description="Prediction form and pages about models and drift.",
        settings=get_settings(),
        lifespan=lifespan,
    )
