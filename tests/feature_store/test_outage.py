"""Redis stopped under a running service: fast 503s, unready, then recovery in place."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.feature_store.support import passenger_row, start_feature_store
from tests.support.procs import Proc, free_port, start_redis

pytestmark = pytest.mark.slow

LOOKUP = {"feature_view": "passenger_features", "entities": {"passenger_id": [1]}}


class RedisOnFixedPort:
    """A private redis-server that can be stopped and started again on the same port."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.proc: Proc | None = None

    def start(self) -> None:
        self.proc, _ = start_redis(self.tmp, self.port)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RedisOnFixedPort, str]]:
    tmp = tmp_path_factory.mktemp("outage")
    redis = RedisOnFixedPort(tmp)
    redis.start()
    service = start_feature_store(f"redis://127.0.0.1:{redis.port}/0", tmp)
    yield redis, service.url
    service.stop()
    redis.stop()


def eventually_ok(client: httpx.Client, method: str, path: str, **kwargs) -> httpx.Response:
    """Retry for a few seconds: the first pooled connections may predate the restart."""
    deadline = time.monotonic() + 10
    while True:
        response = client.request(method, path, **kwargs)
        if response.is_success or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_redis_down_gives_503_then_service_recovers(outage, admin_headers) -> None:
    redis, url = outage
    # A hang would hit this client timeout and fail the test instead of passing slowly.
    with httpx.Client(base_url=url, timeout=5.0) as client:
        client.post(
            "/push",
            json={"feature_view": "passenger_features", "rows": [passenger_row(1)]},
            headers=admin_headers,
        ).raise_for_status()

        redis.stop()
        for method, path, body in [
            ("POST", "/get-online-features", LOOKUP),
            ("GET", "/feature-views/passenger_features/entities/1", None),
            ("GET", "/feature-views/passenger_features/entities", None),
            ("GET", "/feature-views/passenger_features/export", None),
        ]:
            response = client.request(method, path, json=body)
            assert response.status_code == 503, (path, response.text)
            error = response.json()["error"]
            assert error["code"] == "dependency_unavailable"
            assert error["details"]["dependency"] == "redis"
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["redis"]["ok"] is False

        redis.start()  # same port, empty data: nothing persisted across the restart
        assert eventually_ok(client, "GET", "/readyz").status_code == 200
        pushed = eventually_ok(
            client,
            "POST",
            "/push",
            headers=admin_headers,
            json={"feature_view": "passenger_features", "rows": [passenger_row(2)]},
        )
        assert pushed.json() == {"written": 1}
        found = client.get("/feature-views/passenger_features/entities/2")
        assert found.status_code == 200
        assert found.json()["features"]["title"] == passenger_row(2)["title"]


def test_hung_redis_gives_503_from_the_socket_timeout(outage) -> None:
    redis, url = outage
    with httpx.Client(base_url=url, timeout=5.0) as client:
        eventually_ok(client, "GET", "/readyz")
        os.kill(redis.proc.pid, signal.SIGSTOP)  # accepts connections, never answers
        try:
            response = client.post("/get-online-features", json=LOOKUP)
        finally:
            os.kill(redis.proc.pid, signal.SIGCONT)
        assert response.status_code == 503
        assert response.json()["error"]["details"] == {
            "dependency": "redis",
            "reason": "TimeoutError",
        }
        assert eventually_ok(client, "POST", "/get-online-features", json=LOOKUP).status_code == 200
