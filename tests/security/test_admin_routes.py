"""Every write or admin route refuses a missing or wrong token. The routes are found by
walking each service's OpenAPI schema, so a new route cannot be forgotten."""

from __future__ import annotations

import httpx
import pytest

from tests.support.procs import Service
from tests.support.services import SERVICES
from tests.support.stack import SERVICE_TOKEN
from titanic_common.features import RawPassenger, compute_features

WRITE_METHODS = {"post", "put", "patch", "delete"}
# Public on purpose: reads that happen to be POSTs, and the CSRF-protected form post.
PUBLIC = {
    ("titanic-model", "/predict"),
    ("titanic-model", "/predict/batch"),
    ("titanic-feature-store", "/get-online-features"),
    ("titanic-ui", "/predict"),
}


def _write_routes(service: Service) -> list[tuple[str, str]]:
    schema = httpx.get(f"{service.url}/openapi.json", timeout=10).json()
    return [
        (method, path)
        for path, item in schema["paths"].items()
        for method in item
        if method in WRITE_METHODS
    ]


def _concrete(path: str) -> str:
    return (
        path.replace("{version}", "1")
        .replace("{view}", "passenger_features")
        .replace("{job_id}", "x")
    )


@pytest.mark.parametrize("script", sorted(SERVICES))
def test_write_routes_need_the_admin_token(stack_services: dict[str, Service], script: str) -> None:
    service = stack_services[script]
    routes = [(m, p) for m, p in _write_routes(service) if (script, p) not in PUBLIC]
    if script != "titanic-ui":
        assert routes, f"{script} exposes no admin route; is the schema walk broken?"
    for method, path in routes:
        url = f"{service.url}{_concrete(path)}"
        for headers in ({}, {"Authorization": "Bearer not-the-token-0123456789"}):
            response = httpx.request(method, url, json={}, headers=headers, timeout=10)
            assert response.status_code == 401, (
                f"{method.upper()} {path} on {script} answered {response.status_code} "
                f"with {headers or 'no token'}"
            )
            assert response.json()["error"]["code"] == "unauthorized"


# The only route a service token opens: the model service's drift feed.
SERVICE_ROUTES = {("titanic-drift", "post", "/observations")}


@pytest.mark.parametrize("script", sorted(SERVICES))
def test_the_service_token_opens_observations_and_nothing_else(
    stack_services: dict[str, Service], script: str
) -> None:
    service = stack_services[script]
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    for method, path in _write_routes(service):
        if (script, path) in PUBLIC:
            continue
        url = f"{service.url}{_concrete(path)}"
        response = httpx.request(method, url, json={}, headers=headers, timeout=10)
        if (script, method, path) in SERVICE_ROUTES:
            # Authorised: the empty body is then refused for what it is.
            assert response.status_code == 422, (path, response.text)
        else:
            assert response.status_code == 401, (
                f"{method.upper()} {path} on {script} accepted the service token"
            )


def test_the_service_token_delivers_observations(stack_services: dict[str, Service]) -> None:
    drift = stack_services["titanic-drift"]
    # A feature row as the model service sends it: made by the one feature function.
    observation = compute_features(
        RawPassenger(pclass=3, sex="male", age=30, fare=8.05, embarked="S")
    ).model_dump()
    response = httpx.post(
        f"{drift.url}/observations",
        json={"observations": [observation]},
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def test_the_ui_form_post_needs_a_csrf_token(stack_services: dict[str, Service]) -> None:
    ui = stack_services["titanic-ui"]
    response = httpx.post(
        f"{ui.url}/predict",
        data={
            "pclass": "1",
            "sex": "female",
            "age": "30",
            "sibsp": "0",
            "parch": "0",
            "fare": "80",
            "embarked": "S",
        },
        timeout=10,
    )
    assert response.status_code in (400, 403)
