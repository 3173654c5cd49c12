"""HTML error pages for people; API clients asking for JSON keep the JSON error model."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from titanic_common.errors import error_body
from ui_service.routes.rendering import render

TITLES = {404: "Page not found", 405: "Not allowed here"}


def wants_html(request: Request) -> bool:
    """Browsers list text/html in Accept; curl and API clients usually do not."""
    return "text/html" in request.headers.get("accept", "")


async def http_error_page(request: Request, exc: Exception) -> HTMLResponse | JSONResponse:
    """404/405 and friends as a page with the usual header and a way back."""
    assert isinstance(exc, StarletteHTTPException)
    if not wants_html(request):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )
    title = TITLES.get(exc.status_code, "Something went wrong")
    return render(
        request, request.app.state.templates, "error.html", None, exc.status_code, title=title
    )


def install_error_pages(app: FastAPI) -> None:
    """Render HTTP errors as HTML for browsers."""
    app.add_exception_handler(StarletteHTTPException, http_error_page)
