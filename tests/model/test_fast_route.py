"""JsonBodyRoute: the prediction routes' own body parsing answers like FastAPI would."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from pydantic import BaseModel, Field
from structlog.testing import capture_logs

from model_service.routes.fast_route import JsonBodyRoute
from titanic_common.app import create_app
from titanic_common.errors import NotFoundError
from titanic_common.settings import CommonSettings


class Item(BaseModel):
    size: int = Field(ge=1, le=3)


router = APIRouter(route_class=JsonBodyRoute)


@router.post("/items")
async def post_item(
    body: Item, request: Request, loud: Annotated[bool, Query()] = False
) -> JSONResponse:
    return JSONResponse({"size": body.size, "loud": loud, "path": request.url.path})


@router.post("/missing")
async def post_missing(body: Item, request: Request) -> JSONResponse:
    raise NotFoundError(f"no item of size {body.size}")


@router.post("/where")
async def post_where(body: Item, request: Request) -> JSONResponse:
    # Starlette's router leaves itself in the scope; the short path has no router.
    return JSONResponse({"short_path": "router" not in request.scope})


@router.post("/bad-error")
async def post_bad_error(body: Item, request: Request) -> JSONResponse:
    raise NotFoundError("unserialisable details", details={"when": object()})


@router.post("/boom")
async def post_boom(body: Item, request: Request) -> JSONResponse:
    raise RuntimeError("a bug")


async def dependency() -> None:
    return None


@pytest.fixture(scope="module")
def client() -> TestClient:
    settings = CommonSettings(ADMIN_TOKEN="unit-test-token-0123456789")
    return TestClient(create_app(service="t", title="t", settings=settings, routers=[router]))


def _fields(response) -> list[str]:
    assert response.status_code == 422, response.text
    return response.json()["error"]["details"]["fields"]


def test_valid_body_and_query_reach_the_endpoint(client: TestClient) -> None:
    response = client.post("/items?loud=yes", json={"size": 2})
    assert response.json() == {"size": 2, "loud": True, "path": "/items"}
    assert client.post("/items", json={"size": 3}).json()["loud"] is False


def test_field_and_query_errors_name_the_field(client: TestClient) -> None:
    assert _fields(client.post("/items", json={"size": 9})) == ["size"]
    assert _fields(client.post("/items?loud=maybe", json={"size": 1})) == ["loud"]


def test_empty_body_is_a_missing_body(client: TestClient) -> None:
    response = client.post("/items", content=b"", headers={"Content-Type": "application/json"})
    assert _fields(response) == ["body"]
    assert response.json()["error"]["details"]["errors"][0]["type"] == "missing"


def test_broken_json_is_named_body(client: TestClient) -> None:
    json_type = {"Content-Type": "application/json"}
    response = client.post("/items", content=b'{"size":', headers=json_type)
    assert _fields(response) == ["body"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_non_json_content_types_are_refused(client: TestClient, content_type: str) -> None:
    response = client.post("/items", content=b'{"size": 1}', headers={"Content-Type": content_type})
    assert _fields(response) == ["body"]
    assert "application/json" in response.json()["error"]["message"]


def test_json_suffix_types_are_accepted(client: TestClient) -> None:
    response = client.post(
        "/items", content=b'{"size": 1}', headers={"Content-Type": "application/vnd.x+json"}
    )
    assert response.status_code == 200


def test_openapi_still_documents_body_and_query(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/items"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]
    assert [p["name"] for p in operation["parameters"]] == ["loud"]


def test_routes_it_cannot_serve_are_refused_when_built() -> None:
    bad = APIRouter(route_class=JsonBodyRoute)

    with pytest.raises(TypeError, match="no dependencies"):

        @bad.post("/with-dependency")
        async def with_dependency(body: Item, _: Annotated[None, Depends(dependency)]) -> dict:
            return {}

    with pytest.raises(TypeError, match="async"):

        @bad.post("/sync")
        def sync_endpoint(body: Item) -> dict:
            return {}

    with pytest.raises(TypeError, match="defaults"):

        @bad.post("/required-query")
        async def required_query(body: Item, q: Annotated[int, Query()]) -> dict:
            return {}


# These routes take the app's short path (titanic_common.direct): the request id, body
# limit, metrics and error handlers must behave as on every other route.


def _count(status: int, handler: str = "/items") -> float:
    labels = {"handler": handler, "method": "POST", "status": str(status)}
    return REGISTRY.get_sample_value("http_requests_total", labels) or 0.0


def test_short_path_answers_carry_request_ids_and_are_counted(client: TestClient) -> None:
    before = _count(200)
    generated = client.post("/items", json={"size": 1})
    echoed = client.post("/items", json={"size": 1}, headers={"X-Request-ID": "abc-123"})
    assert len(generated.headers["x-request-id"]) == 32
    assert echoed.headers["x-request-id"] == "abc-123"
    assert _count(200) - before == 2


def test_short_path_errors_use_the_apps_handlers(client: TestClient) -> None:
    missing = client.post("/missing", json={"size": 2})
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "no item of size 2"
    boom = client.post("/boom", json={"size": 2}, headers={"X-Request-ID": "req-500"})
    assert boom.status_code == 500
    assert boom.json()["error"]["code"] == "internal_error"
    assert boom.headers["x-request-id"] == "req-500"
    assert "a bug" not in boom.text


def test_short_path_bodies_over_the_limit_get_413() -> None:
    settings = CommonSettings(ADMIN_TOKEN="unit-test-token-0123456789", MAX_BODY_BYTES=64)
    small = TestClient(create_app(service="t", title="t", settings=settings, routers=[router]))
    big = b'{"size": 1, "pad": "' + b"x" * 100 + b'"}'
    declared = small.post("/items", content=big, headers={"Content-Type": "application/json"})
    streamed = small.post(
        "/items", content=iter([big[:50], big[50:]]), headers={"Content-Type": "application/json"}
    )
    assert declared.status_code == streamed.status_code == 413
    assert streamed.json()["error"]["code"] == "payload_too_large"


def test_other_methods_and_paths_still_go_through_fastapi(client: TestClient) -> None:
    assert client.get("/items").status_code == 405
    assert client.post("/nowhere", json={"size": 1}).status_code == 404


def test_these_routes_take_the_short_path(client: TestClient) -> None:
    assert client.post("/where", json={"size": 1}).json() == {"short_path": True}


def test_a_prefixed_router_takes_the_short_path_at_its_own_path() -> None:
    prefixed = APIRouter(prefix="/v1", route_class=JsonBodyRoute)
    prefixed.add_api_route("/where", post_where, methods=["POST"])
    settings = CommonSettings(ADMIN_TOKEN="unit-test-token-0123456789")
    app = TestClient(create_app(service="t", title="t", settings=settings, routers=[prefixed]))
    assert app.post("/v1/where", json={"size": 1}).json() == {"short_path": True}
    assert app.post("/v1/v1/where", json={"size": 1}).status_code == 404


def test_a_failing_error_handler_still_gives_the_json_500(client: TestClient) -> None:
    response = client.post("/bad-error", json={"size": 1}, headers={"X-Request-ID": "r-1"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert response.headers["x-request-id"] == "r-1"


def test_an_oversized_streamed_body_is_a_413_not_an_app_error() -> None:
    settings = CommonSettings(ADMIN_TOKEN="unit-test-token-0123456789", MAX_BODY_BYTES=64)
    small = TestClient(create_app(service="t", title="t", settings=settings, routers=[router]))
    big = b'{"size": 1, "pad": "' + b"x" * 100 + b'"}'
    with capture_logs() as logs:
        response = small.post(
            "/items",
            content=iter([big[:20], big[20:]]),
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 413
    assert not [entry for entry in logs if entry["event"] == "unhandled_error"]


def test_a_body_framed_by_chunks_is_counted_whatever_length_it_declares() -> None:
    # h11 frames a request that declares both by its chunks: the declared length is moot.
    settings = CommonSettings(ADMIN_TOKEN="unit-test-token-0123456789", MAX_BODY_BYTES=64)
    small = TestClient(create_app(service="t", title="t", settings=settings, routers=[router]))
    big = b'{"size": 1, "pad": "' + b"x" * 100 + b'"}'
    headers = {"content-type": "application/json", "content-length": "10"}
    response = small.post(
        "/items",
        content=iter([big[:20], big[20:]]),
        headers={**headers, "transfer-encoding": "chunked"},
    )
    assert response.status_code == 413
