"""Fixtures of the drift tests: a private Redis and database, a real feature-store
process holding the demo passengers, and a real drift-service process."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from redis import Redis

from drift_service.windows import OBSERVATIONS_KEY, TOTAL_KEY
from tests.drift.demo import demo_export_rows
from tests.support.db import create_migrated_database, drop_database
from tests.support.procs import ROOT, Proc, Service, free_port, start_redis, wait_for_http
from titanic_common.features import FEATURE_VIEW, FEATURE_VIEW_VERSION

WINDOW = 200
CHECK_EVERY = 50


def start_service(script: str, url_var: str, env: dict[str, str], tmp: Path) -> Service:
    """Start a console script and wait for /healthz.

    Not tests.support.procs.start_service: it hands wait_for_http a Proc where a Popen
    is expected, so it fails on its first poll.
    """
    binary = shutil.which(script) or str(ROOT / ".venv" / "bin" / script)
    proc = Proc(script, [binary], env, tmp / f"{script}.log").start()
    try:
        wait_for_http(f"{env[url_var]}/healthz", timeout=60, proc=proc.popen)
    except Exception as exc:
        proc.stop()
        raise RuntimeError(f"{script} did not start: {exc}\n{proc.log_tail()}") from exc
    return Service(proc, env[url_var])


@dataclass
class RedisServer:
    proc: Proc
    port: int
    tmp: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def restart(self) -> None:
        self.proc.stop()
        self.proc, _ = start_redis(self.tmp, self.port)


@pytest.fixture(scope="session")
def drift_redis(artifacts_dir: Path) -> Iterator[RedisServer]:
    """A Redis of our own: outage tests stop it without disturbing other packages."""
    tmp = artifacts_dir / "drift"
    proc, port = start_redis(tmp)
    server = RedisServer(proc, port, tmp)
    yield server
    server.proc.stop()


@pytest.fixture(scope="session")
def drift_db() -> Iterator[str]:
    """A database of our own whose production model (version 1) is ours alone."""
    dsn = create_migrated_database("titanic_drift_test")
    promote(dsn, 1)
    yield dsn
    drop_database(dsn)


@pytest.fixture(scope="session")
def feature_store(
    base_env: dict[str, str], drift_redis: RedisServer, artifacts_dir: Path, admin_headers
) -> Iterator[Service]:
    """A feature-store process holding the 1309 demo passengers."""
    env = {
        **base_env,
        "REDIS_URL": drift_redis.url,
        "FEATURE_STORE_URL": f"http://127.0.0.1:{free_port()}",
    }
    service = start_service("titanic-feature-store", "FEATURE_STORE_URL", env, artifacts_dir)
    body = {
        "feature_view": FEATURE_VIEW,
        "feature_view_version": FEATURE_VIEW_VERSION,
        "rows": demo_export_rows(),
    }
    response = httpx.post(
        f"{service.url}/push",
        json=body,
        headers=admin_headers,
        timeout=30,
    )
    response.raise_for_status()
    yield service
    service.stop()


def promote(dsn: str, version: int, training_rows: int = 1309) -> None:
    """Register `version` as the production model (archiving the previous one)."""
    with psycopg.connect(dsn, autocommit=True) as conn, conn.transaction():
        conn.execute("UPDATE model_versions SET status = 'archived' WHERE status = 'production'")
        conn.execute(
            """INSERT INTO model_versions (version, algorithm, feature_view,
                   feature_view_version, training_rows, artifact_uri, artifact_sha256,
                   status, promoted_at)
               VALUES (%s, 'random_forest', %s, %s, %s, 'file:///dev/null', 'x',
                       'production', now())""",
            (version, FEATURE_VIEW, FEATURE_VIEW_VERSION, training_rows),
        )


def wait_until(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    """Poll `predicate` until it is true; a deadline, not a timed assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what} not reached within {timeout}s")


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class DriftProcess:
    """The drift service as users run it; restartable on the same URL."""

    env: dict[str, str]
    tmp: Path
    service: Service | None = None

    @property
    def url(self) -> str:
        return self.env["DRIFT_URL"]

    def start(self) -> DriftProcess:
        self.service = start_service("titanic-drift", "DRIFT_URL", self.env, self.tmp)
        return self

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()

    def restart(self) -> None:
        self.stop()
        self.start()
        wait_until(lambda: ready(self.url), what="drift ready after restart")


def drift_env(base_env, redis_url: str, dsn: str, feature_store_url: str) -> dict[str, str]:
    return {
        **base_env,
        "REDIS_URL": redis_url,
        "DATABASE_URL": dsn,
        "DRIFT_URL": f"http://127.0.0.1:{free_port()}",
        "FEATURE_STORE_URL": feature_store_url,
        "DRIFT_WINDOW": str(WINDOW),
        "DRIFT_CHECK_EVERY": str(CHECK_EVERY),
        "DRIFT_MIN_WINDOW": "50",
        "DRIFT_REFERENCE_POLL_SECONDS": "0.5",
        "DRIFT_BACKEND": "scipy",
    }


@pytest.fixture(scope="session")
def drift(
    base_env, drift_redis: RedisServer, drift_db: str, feature_store: Service, artifacts_dir
) -> Iterator[DriftProcess]:
    """A drift process whose reference is model version 1 (the demo passengers)."""
    env = drift_env(base_env, drift_redis.url, drift_db, feature_store.url)
    process = DriftProcess(env, artifacts_dir / "drift").start()
    wait_until(lambda: ready(process.url), what="drift ready")
    yield process
    process.stop()


@pytest.fixture
def client(drift: DriftProcess, admin_headers) -> Iterator[httpx.Client]:
    """An HTTP client on the drift service with the admin token; window and counter reset."""
    with httpx.Client(base_url=drift.url, headers=admin_headers, timeout=30) as http:
        with Redis.from_url(drift.env["REDIS_URL"]) as redis:
            redis.delete(OBSERVATIONS_KEY, TOTAL_KEY)
        yield http
