"""A Redis outage, on a drift process and Redis of its own."""

from __future__ import annotations

import httpx
import pytest

from tests.drift.conftest import (
    DriftProcess,
    RedisServer,
    drift_env,
    ready,
    wait_until,
)
from tests.drift.demo import demo_rows
from tests.support.procs import start_redis


@pytest.fixture
def own_redis(artifacts_dir):
    tmp = artifacts_dir / "outage"
    proc, port = start_redis(tmp)
    server = RedisServer(proc, port, tmp)
    yield server
    server.proc.stop()


def test_redis_down_gives_a_clear_503_and_recovers(
    base_env, own_redis, drift_db, feature_store, artifacts_dir, admin_headers
):
    env = drift_env(base_env, own_redis.url, drift_db, feature_store.url)
    process = DriftProcess(env, artifacts_dir / "outage").start()
    wait_until(lambda: ready(process.url), what="drift ready")
    rows = {"observations": demo_rows()[:3]}
    try:
        with httpx.Client(base_url=process.url, headers=admin_headers, timeout=10) as client:
            own_redis.proc.stop()
            response = client.post("/observations", json=rows)
            assert response.status_code == 503
            assert response.json()["error"]["details"]["dependency"] == "redis"
            assert client.get("/drift/status").status_code == 503
            readiness = client.get("/readyz").json()
            assert readiness["checks"]["redis"]["ok"] is False

            own_redis.restart()
            response = client.post("/observations", json=rows)
            assert response.status_code == 200
            assert response.json()["window_observations"] == 3
    finally:
        process.stop()
