"""HTML pages: the prediction form and result, the model registry, drift."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ui_service import forms, plots
from ui_service.clients import InputRejectedError, ServiceUnavailableError
from ui_service.routes.deps import CsrfChecked, DriftDep, HeaderDep, ModelDep, TemplatesDep
from ui_service.routes.rendering import render
from ui_service.views import (
    Header,
    attempt,
    drift_histograms,
    model_plots,
    slice_rows,
    top_reasons,
)

router = APIRouter(default_response_class=HTMLResponse, tags=["pages"])

FORM_CONTEXT = {
    "labels": forms.LABELS,
    "hints": forms.HINTS,
    "choices": forms.CHOICES,
    "bounds": {name: forms.bounds(name) for name in ("age", "sibsp", "parch", "fare")},
    "max_lengths": {name: forms.max_length(name) for name in ("name", "cabin")},
}


def _form_page(
    request: Request,
    templates: Jinja2Templates,
    header: Header,
    form: forms.PassengerForm,
    status_code: int = 200,
    outage: str | None = None,
) -> HTMLResponse:
    return render(
        request,
        templates,
        "form.html",
        header,
        status_code,
        form=form,
        outage=outage or header.model_error,
        **FORM_CONTEXT,
    )


@router.get("/")
async def read_form(request: Request, templates: TemplatesDep, header: HeaderDep) -> HTMLResponse:
    """The prediction form, pre-filled with a typical passenger."""
    return _form_page(request, templates, header, forms.default_form())


@router.post("/predict", dependencies=[CsrfChecked])
async def submit_prediction(
    request: Request, templates: TemplatesDep, header: HeaderDep, model: ModelDep
) -> HTMLResponse:
    """Validate the posted form, ask the model service, show the result."""
    form = forms.parse_form(await request.form())
    if not form.ok or form.passenger is None:
        return _form_page(request, templates, header, form, 422)
    try:
        prediction = await model.predict(form.passenger)
    except InputRejectedError as exc:
        form.errors = forms.upstream_errors(exc.fields)
        return _form_page(request, templates, header, form, 422)
    except ServiceUnavailableError as exc:
        return _form_page(request, templates, header, form, 503, outage=exc.message)
    contributions = prediction.explanation.contributions if prediction.explanation else {}
    reasons = top_reasons(contributions, form.passenger)
    return render(
        request,
        templates,
        "result.html",
        header,
        prediction=prediction,
        form=form,
        reasons=reasons,
        gauge=plots.probability_bar_svg(prediction.survival_probability),
        reasons_chart=plots.contributions_svg([(r.label, r.contribution) for r in reasons])
        if reasons
        else None,
        **FORM_CONTEXT,
    )


@router.get("/models")
async def read_models(
    request: Request, templates: TemplatesDep, header: HeaderDep, model: ModelDep
) -> HTMLResponse:
    """Every model version, and plots of the production version's evaluation."""
    versions, error = await attempt(model.list_models())
    production = header.production
    return render(
        request,
        templates,
        "models.html",
        header,
        versions=versions or [],
        error=error,
        production=production,
        charts=model_plots(production) if production else {},
        slices=slice_rows(production.metrics.slices) if production else [],
    )


@router.get("/drift")
async def read_drift(
    request: Request,
    templates: TemplatesDep,
    header: HeaderDep,
    drift: DriftDep,
    before_id: int | None = Query(default=None, ge=1, le=2**63 - 1),
) -> HTMLResponse:
    """Drift status, p-values, distributions and the history of checks."""
    (events, events_error), (summary, summary_error) = await asyncio.gather(
        attempt(drift.events(limit=20, before_id=before_id)),
        attempt(drift.summary()),
    )
    status = header.drift
    return render(
        request,
        templates,
        "drift.html",
        header,
        status=status,
        p_values=plots.p_values_svg(status.p_values, status.threshold)
        if status and status.p_values
        else None,
        events=events,
        histograms=drift_histograms(summary or {}),
        error=header.drift_error or events_error or summary_error,
    )
