"""JsonBodyRoute: the prediction routes' own body parsing answers like FastAPI would."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from model_service.routes.fast_route import JsonBodyRoute
from titanic_common.app import create_app
from titanic_common.settings import CommonSettings


class Item(BaseModel):
    size: int = Field(ge=1, le=3)


router = APIRouter(route_class=JsonBodyRoute)


@router.post("/items")
async def post_item(
    body: Item, request: Request, loud: Annotated[bool, Query()] = False
) -> JSONResponse:
    return JSONResponse({"size": body.size, "loud": loud, "path": request.url.path})


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
