"""One error hierarchy; every error carries its HTTP status and maps to one JSON shape.

Body: {"error": {"code": "...", "message": "...", "details": ..., "request_id": "..."}}
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from titanic_common.context import request_id
from titanic_common.logging import get_logger

log = get_logger(__name__)


class AppError(Exception):
    """Base of every error a service raises on purpose."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, details: Any = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers


class NotFoundError(AppError):
    status_code = 404
    code = "not_found"


class ConflictError(AppError):
    status_code = 409
    code = "conflict"


class UnauthorizedError(AppError):
    status_code = 401
    code = "unauthorized"


class PayloadTooLargeError(AppError):
    status_code = 413
    code = "payload_too_large"


class InvalidInputError(AppError):
    status_code = 422
    code = "validation_error"


class DependencyUnavailableError(AppError):
    """A dependency (database, cache, upstream service) is down or too slow."""

    status_code = 503
    code = "dependency_unavailable"


def error_body(code: str, message: str, details: Any = None) -> dict:
    """The one JSON error shape."""
    return {
        "error": {
            "code": code,
            "message": message,
            "details": details,
            "request_id": request_id.get(),
        }
    }


def field_name(loc: tuple | list) -> str:
    """Dotted field path without the 'body'/'query' prefix FastAPI adds."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_details(errors: list[dict]) -> list[dict]:
    """Pydantic errors reduced to {field, message, type}."""
    return [
        {"field": field_name(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type")}
        for e in errors
    ]


async def _app_error(_: Request, exc: AppError) -> JSONResponse:
    return JSONResponse(
        error_body(exc.code, exc.message, exc.details),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    details = validation_details(list(exc.errors()))
    fields = sorted({d["field"] for d in details})
    message = "invalid input: " + ", ".join(f"{d['field']}: {d['message']}" for d in details[:5])
    return JSONResponse(
        error_body("validation_error", message, {"fields": fields, "errors": details}),
        status_code=422,
    )


async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
        exc.status_code, "http_error"
    )
    return JSONResponse(
        error_body(code, str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    # Clients get a generic message and the request id; the traceback goes to the log.
    log.error("unhandled_error", path=request.url.path, exc_info=exc)
    rid = request_id.get()
    return JSONResponse(
        error_body("internal_error", "internal error; quote the request id when reporting"),
        status_code=500,
        # Sent by Starlette's outermost handler, past the middleware that adds the header.
        headers={"X-Request-ID": rid} if rid else None,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to the JSON error shape."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled)
