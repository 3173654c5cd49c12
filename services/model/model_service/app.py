"""Model service: wiring only; training, registry and inference live in their modules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from model_service.jobs import TrainingJobs
from model_service.routes import models, predict
from model_service.settings import get_settings
from titanic_common.app import create_app
from titanic_common.health import postgres_check


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    app.state.readiness_checks["postgres"] = postgres_check(settings.DATABASE_URL)
    app.state.training_jobs = TrainingJobs()
    # Prediction path: model holder (adds the "model" readiness check), feature-store
    # client, feed (flushed on the way out).
    async with predict.prediction_state(app):
        yield
    app.state.training_jobs.shutdown()


def build_app() -> FastAPI:
    """App factory used by uvicorn (`--factory`)."""
    app = create_app(
        service="model",
        title="Titanic model service",
        description="Survival predictions, model registry and training jobs.",
        settings=get_settings(),
        lifespan=lifespan,
        routers=[predict.router, models.router],
    )
    return app
