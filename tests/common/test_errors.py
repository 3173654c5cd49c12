"""Every error leaves a service as the same JSON shape, naming what went wrong."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from titanic_common.app import create_app
from titanic_common.auth import admin_dependency
from titanic_common.errors import DependencyUnavailableError
from titanic_common.settings import CommonSettings

TOKEN = "unit-test-token-0123456789"


AdminDep = Annotated[None, Depends(admin_dependency(lambda: TOKEN))]


class Passenger(BaseModel):
    age: float = Field(ge=0, le=120)
    pclass: int = Field(ge=1, le=3)


@pytest.fixture(scope="module")
def client() -> TestClient:
    settings = CommonSettings(ADMIN_TOKEN=TOKEN, MAX_BODY_BYTES=1000)
    app = create_app(service="unit", title="unit", settings=settings)

    @app.post("/echo")
    async def echo(passenger: Passenger) -> Passenger:
        return passenger

    @app.get("/down")
    async def down() -> None:
        raise DependencyUnavailableError("redis is unavailable", details={"dependency": "redis"})

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @app.post("/admin")
    async def admin_only(_: AdminDep) -> dict:
        return {"ok": True}

    return TestClient(app, raise_server_exceptions=False)


def test_validation_error_names_the_field(client: TestClient) -> None:
    response = client.post("/echo", json={"age": -1, "pclass": 2})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]["fields"] == ["age"]
    assert "age" in error["message"]
    assert error["request_id"] == response.headers["x-request-id"]


def test_missing_field_is_named(client: TestClient) -> None:
    response = client.post("/echo", json={"age": 3})
    assert response.json()["error"]["details"]["fields"] == ["pclass"]


def test_dependency_down_is_503_json(client: TestClient) -> None:
    response = client.get("/down")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "dependency_unavailable"
    assert response.json()["error"]["details"] == {"dependency": "redis"}


def test_unhandled_error_hides_internals(client: TestClient) -> None:
    response = client.get("/boom")
    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "internal_error"
    assert "secret internals" not in response.text
    assert body["error"]["request_id"]


def test_unknown_route_is_json_404(client: TestClient) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_oversized_body_is_413(client: TestClient) -> None:
    response = client.post(
        "/echo", content=b"x" * 5000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong-token"}, 401),
        ({"Authorization": "Basic " + TOKEN}, 401),
        ({"Authorization": f"Bearer {TOKEN}"}, 200),
    ],
)
def test_admin_token(client: TestClient, headers: dict, status: int) -> None:
    response = client.post("/admin", headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
