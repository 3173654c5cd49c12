"""Dependencies the pages share: clients, templates, CSRF and the header."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from ui_service.clients import DriftClient, ModelClient
from ui_service.csrf import COOKIE_NAME, FIELD_NAME, CsrfProtect
from ui_service.views import Header, load_header


def get_model(request: Request) -> ModelClient:
    return request.app.state.model


def get_drift(request: Request) -> DriftClient:
    return request.app.state.drift


def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


def get_csrf(request: Request) -> CsrfProtect:
    return request.app.state.csrf


ModelDep = Annotated[ModelClient, Depends(get_model)]
DriftDep = Annotated[DriftClient, Depends(get_drift)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
CsrfDep = Annotated[CsrfProtect, Depends(get_csrf)]


async def get_header(model: ModelDep, drift: DriftDep) -> Header:
    """The header every page shows, fetched from both services concurrently."""
    return await load_header(model, drift)


HeaderDep = Annotated[Header, Depends(get_header)]


async def require_csrf(request: Request, csrf: CsrfDep) -> None:
    """Refuse a form post whose token does not match this browser's cookie."""
    form = await request.form()
    token = form.get(FIELD_NAME)
    csrf.check(token if isinstance(token, str) else None, request.cookies.get(COOKIE_NAME))


CsrfChecked = Depends(require_csrf)
