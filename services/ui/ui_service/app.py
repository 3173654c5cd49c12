"""UI service: wiring only; pages live in their modules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from titanic_common.app import create_app
from titanic_common.health import http_check
from titanic_common.http import async_client
from ui_service.clients import DriftClient, ModelClient
from ui_service.csrf import CsrfProtect
from ui_service.error_pages import install_error_pages
from ui_service.routes.pages import router as pages_router
from ui_service.security import install_security
from ui_service.settings import get_settings

PACKAGE_DIR = Path(__file__).resolve().parent


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    model = async_client(settings.MODEL_URL, settings.HTTP_TIMEOUT_SECONDS)
    drift = async_client(settings.DRIFT_URL, settings.HTTP_TIMEOUT_SECONDS)
    app.state.model_client, app.state.drift_client = model, drift
    app.state.model, app.state.drift = ModelClient(model), DriftClient(drift)
    app.state.readiness_checks.update(model=http_check(model), drift=http_check(drift))
    yield
    await model.aclose()
    await drift.aclose()


def build_app() -> FastAPI:
    """App factory used by uvicorn (`--factory`)."""
    settings = get_settings()
    app = create_app(
        service="ui",
        title="Titanic UI",
        description="Prediction form and pages about models and drift.",
        settings=settings,
        lifespan=lifespan,
        routers=[pages_router],
    )
    app.state.templates = Jinja2Templates(directory=PACKAGE_DIR / "templates")
    app.state.csrf = CsrfProtect(settings.csrf_secret(), settings.CSRF_MAX_AGE_SECONDS)
    install_security(app)
    install_error_pages(app)
    app.mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static")
    return app
