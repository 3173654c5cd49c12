"""Each service starts under uvicorn as users run it and answers health, readiness, metrics."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.procs import Service, free_port, start_service
from tests.support.services import SERVICES


@pytest.fixture(scope="module")
def services(stack_services: dict[str, Service]) -> dict[str, Service]:
    return stack_services


@pytest.mark.parametrize("script", sorted(SERVICES))
def test_health_readiness_metrics_and_docs(services: dict[str, Service], script: str) -> None:
    url = services[script].url
    health = httpx.get(f"{url}/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"

    ready = httpx.get(f"{url}/readyz", timeout=5)
    assert ready.status_code in (200, 503)
    body = ready.json()
    assert body["checks"], "readiness must name what it checked"
    assert body["ready"] is (ready.status_code == 200)
    for check in body["checks"].values():
        assert check["ok"] or check["detail"], "a failed check must say why"

    metrics = httpx.get(f"{url}/metrics")
    assert metrics.status_code == 200
    assert "http_requests_total" in metrics.text or "http_request_duration" in metrics.text

    assert httpx.get(f"{url}/openapi.json").json()["info"]["title"]


def test_model_readiness_explains_how_to_get_a_model(
    base_env: dict[str, str], gcs_emulator: dict[str, str], artifacts_dir: Path
) -> None:
    """With an empty registry the model service is not ready and says what to run."""
    env = {**base_env, **gcs_emulator, "MODEL_URL": f"http://127.0.0.1:{free_port()}"}
    model = start_service("titanic-model", "MODEL_URL", env, artifacts_dir / "model-alone")
    try:
        response = httpx.get(f"{model.url}/readyz", timeout=5)
        assert response.status_code == 503
        assert "make train" in str(response.json()["checks"])
        assert "model_ready 0.0" in httpx.get(f"{model.url}/metrics", timeout=5).text
    finally:
        model.stop()


def test_services_are_ready_once_a_model_is_trained(services: dict[str, Service]) -> None:
    for script in ("titanic-model", "titanic-drift", "titanic-feature-store"):
        response = httpx.get(f"{services[script].url}/readyz", timeout=5)
        assert response.status_code == 200, response.text
    metrics = httpx.get(f"{services['titanic-model'].url}/metrics", timeout=5).text
    assert "model_ready 1.0" in metrics


def test_ui_readiness_reports_a_stopped_upstream(
    base_env: dict[str, str], artifacts_dir: Path
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    env = {
        **base_env,
        "UI_URL": f"http://127.0.0.1:{free_port()}",
        "MODEL_URL": dead,
        "DRIFT_URL": dead,
    }
    ui = start_service("titanic-ui", "UI_URL", env, artifacts_dir / "ui-alone")
    try:
        response = httpx.get(f"{ui.url}/readyz", timeout=5)
        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["model"]["ok"] is False
        assert "unreachable" in checks["model"]["detail"]
    finally:
        ui.stop()


BIG_BODY_ROUTES = {
    "titanic-feature-store": "/push",
    "titanic-model": "/predict",
    "titanic-drift": "/observations",
    "titanic-ui": "/predict",
}


@pytest.mark.parametrize("script", sorted(BIG_BODY_ROUTES))
def test_oversized_bodies_get_413(
    services: dict[str, Service], script: str, admin_headers: dict[str, str]
) -> None:
    """A body over the limit is refused, whether its length is declared or streamed."""
    url = f"{services[script].url}{BIG_BODY_ROUTES[script]}"
    body = b'{"rows": [' + b"0," * 6_000_000 + b"0]}"
    declared = httpx.post(
        url, content=body, headers={"content-type": "application/json"}, timeout=30
    )
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "payload_too_large"

    def chunks():
        for start in range(0, len(body), 1 << 20):
            yield body[start : start + (1 << 20)]

    # A stream is only counted as it is read, so it must get past auth (and, for the
    # form, be a form) before the limit can bite.
    kind = "application/x-www-form-urlencoded" if script == "titanic-ui" else "application/json"
    streamed = httpx.post(
        url, content=chunks(), headers={"content-type": kind, **admin_headers}, timeout=30
    )
    if script == "titanic-ui":
        # The form parser stops at its own per-field bound (1 MB) first: a clear 400.
        assert streamed.status_code in (400, 413)
        assert "maximum size" in streamed.text or "payload_too_large" in streamed.text
    else:
        assert streamed.status_code == 413
