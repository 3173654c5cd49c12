"""The UI over HTTP as a browser without JavaScript sees it (real UI process)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.procs import free_port
from tests.ui.conftest import start_ui
from tests.ui.stub_upstream import UNTRAINED_PREFIX

FORM = {"pclass": "2", "sex": "male", "age": "40", "sibsp": "1", "parch": "0", "fare": "26"}


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form has no CSRF token"
    return match.group(1)


@pytest.fixture
def browser_like(ui_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=ui_url, timeout=10) as client:
        yield client


def test_form_post_with_token_shows_result(browser_like: httpx.Client):
    token = token_of(browser_like.get("/").text)
    response = browser_like.post("/predict", data={**FORM, "csrf_token": token})
    assert response.status_code == 200
    assert 'data-testid="probability"' in response.text
    assert "percentage points" in response.text


@pytest.mark.parametrize("case", ["no token", "no cookie", "other browser's token"])
def test_form_post_without_matching_token_is_refused(ui_url: str, case: str):
    with httpx.Client(base_url=ui_url) as mine, httpx.Client(base_url=ui_url) as other:
        token = token_of(mine.get("/").text)
        data = dict(FORM)
        if case == "no token":
            response = mine.post("/predict", data=data)
        elif case == "no cookie":
            response = httpx.post(f"{ui_url}/predict", data={**data, "csrf_token": token})
        else:
            other.get("/")
            response = other.post("/predict", data={**data, "csrf_token": token})
    assert response.status_code == 403
    assert "Request refused" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_invalid_input_is_422_with_the_field_message(browser_like: httpx.Client):
    token = token_of(browser_like.get("/").text)
    response = browser_like.post("/predict", data={**FORM, "age": "-3", "csrf_token": token})
    assert response.status_code == 422
    assert 'id="age-error"' in response.text and 'value="-3"' in response.text


def test_model_service_rejection_shows_on_the_field(browser_like: httpx.Client):
    token = token_of(browser_like.get("/").text)
    data = {**FORM, "name": "Reject, Mr. Upstream", "csrf_token": token}
    response = browser_like.post("/predict", data=data)
    assert response.status_code == 422
    assert 'id="age-error"' in response.text and "Reject, Mr. Upstream" in response.text


def test_pages_are_locked_down_and_serve_their_own_assets(browser_like: httpx.Client):
    page = browser_like.get("/models")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert not re.search(r'(src|href)="https?://(?!grafana\.example|127\.0\.0\.1)', page.text)
    assert browser_like.get("/static/ui.css").status_code == 200
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_header_links_to_monitoring_tools(browser_like: httpx.Client):
    html = browser_like.get("/").text
    assert 'href="http://grafana.example:3000"' in html
    assert ">Prometheus<" in html and ">Airflow<" in html


@pytest.fixture(scope="module")
def ui_without_upstreams(artifacts_dir: Path) -> Iterator[str]:
    dead = f"http://127.0.0.1:{free_port()}"
    service = start_ui(artifacts_dir, dead, dead)
    yield service.url
    service.stop()


@pytest.mark.parametrize("path", ["/", "/models", "/drift"])
def test_every_page_renders_when_both_services_are_down(ui_without_upstreams: str, path: str):
    response = httpx.get(ui_without_upstreams + path, timeout=20)
    assert response.status_code == 200
    assert "Service unavailable" in response.text
    assert "cannot be reached" in response.text


def test_readiness_names_the_missing_services(ui_without_upstreams: str):
    response = httpx.get(ui_without_upstreams + "/readyz", timeout=20)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert not checks["model"]["ok"] and not checks["drift"]["ok"]


def test_unknown_page_is_an_html_404_for_browsers_and_json_for_apis(ui_url: str):
    page = httpx.get(f"{ui_url}/nope", headers={"accept": "text/html"})
    assert page.status_code == 404 and "Page not found" in page.text
    api = httpx.get(f"{ui_url}/nope", headers={"accept": "application/json"})
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


@pytest.fixture(scope="module")
def ui_before_training(artifacts_dir: Path, stub_url: str) -> Iterator[str]:
    service = start_ui(artifacts_dir, stub_url + UNTRAINED_PREFIX, stub_url)
    yield service.url
    service.stop()


def test_before_any_training_the_pages_say_so(ui_before_training: str):
    with httpx.Client(base_url=ui_before_training, timeout=20) as client:
        form = client.get("/")
        assert "No model in production yet" in form.text
        assert "No production model" in form.text
        models = client.get("/models")
        assert "No model is in production yet" in models.text
        assert "No model versions are registered yet" in models.text
        data = {**FORM, "csrf_token": token_of(form.text)}
        result = client.post("/predict", data=data)
    assert result.status_code == 503
    assert "no production model yet" in result.text
    assert 'value="40"' in result.text


def test_drift_history_paging_takes_only_event_ids(browser_like: httpx.Client):
    assert browser_like.get("/drift", params={"before_id": "2"}).status_code == 200
    bad = browser_like.get("/drift", params={"before_id": "abc"})
    assert bad.status_code == 422 and "before_id" in bad.text
