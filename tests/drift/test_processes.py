"""Service behaviour that needs its own process: the alibi backend's slow import, and a
Redis outage."""

from __future__ import annotations

import httpx
import pytest

from drift_service.reference import NO_PRODUCTION_MODEL
from tests.drift.conftest import (
    CHECK_EVERY,
    DriftProcess,
    RedisServer,
    drift_env,
    promote,
    ready,
    wait_until,
)
from tests.drift.demo import demo_rows
from tests.support.db import create_migrated_database, drop_database
from tests.support.procs import start_redis


def reference_detail(url: str) -> str:
    return httpx.get(f"{url}/readyz", timeout=5).json()["checks"]["reference"]["detail"]


@pytest.mark.slow
def test_alibi_backend_answers_health_at_once_and_says_when_ready(
    base_env, drift_redis, feature_store, artifacts_dir, admin_headers
):
    dsn = create_migrated_database("titanic_drift_alibi")
    env = {**drift_env(base_env, drift_redis.url, dsn, feature_store.url), "DRIFT_BACKEND": "alibi"}
    process = DriftProcess(env, artifacts_dir / "alibi").start()
    try:
        # /healthz answered (start waits for it); readiness explains what is missing.
        assert reference_detail(process.url) in {"loading the alibi detector", NO_PRODUCTION_MODEL}
        wait_until(lambda: reference_detail(process.url) == NO_PRODUCTION_MODEL, what="alibi")
        promote(dsn, 1)
        wait_until(lambda: ready(process.url), what="alibi reference")
        males = [r for r in demo_rows() if r["pclass"] == 3 and r["sex"] == "male"]
        response = httpx.post(
            f"{process.url}/observations",
            json={"observations": males[:CHECK_EVERY]},
            headers=admin_headers,
            timeout=30,
        )
        check = response.json()["check"]
        assert check["detector"] == "alibi" and check["is_drift"] is True
    finally:
        process.stop()
        drop_database(dsn)


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
