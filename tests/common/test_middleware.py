"""The one request middleware: ids, body limit and HTTP metrics, as a client sees them."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from titanic_common.app import create_app
from titanic_common.settings import CommonSettings

router = APIRouter()


@router.get("/items/{item_id}")
async def read_item(item_id: int) -> dict:
    return {"item_id": item_id}


@router.post("/upload")
async def upload(body: dict) -> dict:
    return {"keys": len(body)}


@router.get("/crash")
async def crash() -> None:
    raise RuntimeError("boom")


@pytest.fixture(scope="module")
def client() -> TestClient:
    settings = CommonSettings(ADMIN_TOKEN="unit-test-token-0123456789", MAX_BODY_BYTES=100)
    app = create_app(service="mw", title="mw", settings=settings, routers=[router])
    return TestClient(app, raise_server_exceptions=False)


def _sample(client: TestClient, name: str, **labels: str) -> float:
    text = client.get("/metrics").text
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(name + "{"):
            series, value = line.rsplit(" ", 1)
            got = ",".join(sorted(series[len(name) + 1 : -1].split(",")))
            if got == wanted:
                return float(value)
    return 0.0


def test_a_safe_incoming_request_id_is_kept_and_echoed(client: TestClient) -> None:
    response = client.get("/items/1", headers={"X-Request-ID": "trace-42.a:b"})
    assert response.headers["x-request-id"] == "trace-42.a:b"


def test_an_unsafe_incoming_request_id_is_replaced(client: TestClient) -> None:
    response = client.get("/items/1", headers={"X-Request-ID": "x\ty" + "z" * 200})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_each_request_gets_its_own_id(client: TestClient) -> None:
    ids = {client.get("/items/1").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_requests_are_counted_by_route_template_method_and_status(client: TestClient) -> None:
    labels = {"handler": "/items/{item_id}", "method": "GET"}
    ok_before = _sample(client, "http_requests_total", status="200", **labels)
    bad_before = _sample(client, "http_requests_total", status="422", **labels)
    client.get("/items/7")
    client.get("/items/8")
    client.get("/items/not-a-number")
    assert _sample(client, "http_requests_total", status="200", **labels) == ok_before + 2
    assert _sample(client, "http_requests_total", status="422", **labels) == bad_before + 1
    timed = _sample(client, "http_request_duration_seconds_count", **labels)
    assert timed >= 3


def test_unknown_paths_share_one_label_and_health_is_not_counted(client: TestClient) -> None:
    before = _sample(client, "http_requests_total", handler="none", method="GET", status="404")
    client.get("/no/such/path/1")
    client.get("/no/such/path/2")
    client.get("/healthz")
    after = _sample(client, "http_requests_total", handler="none", method="GET", status="404")
    assert after == before + 2
    assert 'handler="/healthz"' not in client.get("/metrics").text


def test_an_unhandled_error_is_counted_as_500(client: TestClient) -> None:
    labels = {"handler": "/crash", "method": "GET", "status": "500"}
    before = _sample(client, "http_requests_total", **labels)
    crashed = client.get("/crash")
    assert crashed.status_code == 500
    assert crashed.json()["error"]["request_id"] == crashed.headers["x-request-id"]
    assert _sample(client, "http_requests_total", **labels) == before + 1


def test_declared_and_streamed_oversized_bodies_get_413_with_a_request_id(
    client: TestClient,
) -> None:
    declared = client.post("/upload", content=b"{" + b" " * 200 + b"}")
    assert declared.status_code == 413
    assert declared.json()["error"]["request_id"] == declared.headers["x-request-id"]

    def chunks():
        yield b'{"a": "'
        yield b"x" * 150
        yield b'"}'

    streamed = client.post("/upload", content=chunks())
    assert streamed.status_code == 413
    assert streamed.json()["error"]["code"] == "payload_too_large"
    assert client.post("/upload", json={"a": 1}).json() == {"keys": 1}
