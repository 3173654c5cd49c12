"""Browser-facing hardening: security headers and the 403 page for bad CSRF tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse

from ui_service.csrf import CsrfRejectedError
from ui_service.routes.rendering import render

# Every asset is served by this service, so the policy can forbid everything else.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


async def add_security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Middleware: set the security headers on every response."""
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


async def csrf_rejected_page(request: Request, exc: Exception) -> HTMLResponse:
    """A plain 403 page; a fresh cookie comes with it so reloading the form works."""
    assert isinstance(exc, CsrfRejectedError)
    return render(request, request.app.state.templates, "forbidden.html", None, 403)


def install_security(app: FastAPI) -> None:
    """Add the headers middleware and the CSRF error page to `app`."""
    app.middleware("http")(add_security_headers)
    app.add_exception_handler(CsrfRejectedError, csrf_rejected_page)
