"""Render a page with the shared context and keep the browser's CSRF cookie set."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ui_service.csrf import COOKIE_NAME, FIELD_NAME, CsrfProtect
from ui_service.views import Header


def render(
    request: Request,
    templates: Jinja2Templates,
    name: str,
    header: Header | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page with the header, outbound links and a CSRF token for any form on it."""
    settings = request.app.state.settings
    csrf: CsrfProtect = request.app.state.csrf
    nonce = request.cookies.get(COOKIE_NAME) or csrf.new_nonce()
    response = templates.TemplateResponse(
        request,
        name,
        {
            "header": header,
            "links": {
                "Grafana": settings.GRAFANA_URL,
                "Prometheus": settings.PROMETHEUS_URL,
                "Airflow": settings.AIRFLOW_URL,
            },
            "csrf_field": FIELD_NAME,
            "csrf_token": csrf.token_for(nonce),
            **context,
        },
        status_code=status_code,
    )
    response.set_cookie(
        COOKIE_NAME,
        nonce,
        max_age=csrf.max_age,
        httponly=True,
        samesite="strict",
        secure=settings.UI_URL.startswith("https://"),
        path="/",
    )
    return response
