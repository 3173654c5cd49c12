"""One app factory: every service gets /healthz, /readyz, /metrics, request ids,
body-size limits and the JSON error model the same way."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_fastapi_instrumentator import Instrumentator
from pydantic import BaseModel

from titanic_common.errors import install_error_handlers
from titanic_common.health import ReadinessCheck, run_checks
from titanic_common.limits import BodySizeLimitMiddleware
from titanic_common.settings import CommonSettings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


class Health(BaseModel):
    status: str
    service: str


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, dict]


def _health_router(service: str) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", response_model=Health)
    async def read_health() -> Health:
        """Liveness: the process answers."""
        return Health(status="ok", service=service)

    @router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
    async def read_readiness(request: Request) -> JSONResponse:
        """Readiness: every dependency this service needs is usable; says what is missing."""
        checks: dict[str, ReadinessCheck] = request.app.state.readiness_checks
        results = await run_checks(checks)
        ready = all(r.ok for r in results.values())
        body = Readiness(
            ready=ready,
            checks={name: {"ok": r.ok, "detail": r.detail} for name, r in results.items()},
        )
        return JSONResponse(body.model_dump(), status_code=200 if ready else 503)

    return router


def create_app(
    *,
    service: str,
    title: str,
    settings: CommonSettings,
    lifespan: Lifespan | None = None,
    description: str = "",
) -> FastAPI:
    """Build a FastAPI app with the shared middleware, handlers and endpoints.

    Services add readiness checks to `app.state.readiness_checks` (name -> async check)
    in their lifespan, and include their own routers.
    """
    debug_docs = settings.APP_ENV != "production"
    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if debug_docs else None,
        redoc_url=None,
    )
    app.state.service = service
    app.state.settings = settings
    app.state.readiness_checks = {}
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.MAX_BODY_BYTES)
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    app.include_router(_health_router(service))
    Instrumentator(
        excluded_handlers=["/metrics", "/healthz", "/readyz"],
        should_group_status_codes=False,
    ).instrument(app).expose(app, endpoint="/metrics", include_in_schema=False)
    return app
