"""Session fixtures shared by every test package: real PostgreSQL, real Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.db import create_migrated_database, drop_database
from tests.support.procs import Service, start_redis
from tests.support.stack import SERVICE_TOKEN, trained_stack

ADMIN_TOKEN = "test-admin-token-0123456789abcdef"


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder per session for process logs and files."""
    return tmp_path_factory.mktemp("run")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh, migrated database on the machine's PostgreSQL, dropped afterwards."""
    dsn = create_migrated_database()
    yield dsn
    drop_database(dsn)


@pytest.fixture(scope="session")
def redis_url(artifacts_dir: Path) -> Iterator[str]:
    """A private redis-server for this session, stopped by PID afterwards."""
    proc, port = start_redis(artifacts_dir)
    yield f"redis://127.0.0.1:{port}/0"
    proc.stop()


@pytest.fixture(scope="session")
def base_env(database_url: str, redis_url: str) -> dict[str, str]:
    """Environment every service process in tests gets; add *_URL ports per service."""
    return {
        "APP_ENV": "test",
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "SERVICE_TOKEN": SERVICE_TOKEN,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture(scope="session")
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="session")
def gcs_emulator(artifacts_dir: Path) -> Iterator[dict[str, str]]:
    """A gcp-storage-emulator process with bucket `titanic-test`; env vars to reach it."""
    from tests.support.gcs import start_gcs_emulator

    proc, url = start_gcs_emulator(artifacts_dir, bucket="titanic-test")
    yield {
        "STORAGE_EMULATOR_HOST": url,
        "GCS_BUCKET": "titanic-test",
        "GCS_PROJECT": "titanic-test",
        "MODEL_ARTIFACT_URI": "gs://titanic-test/models",
    }
    proc.stop()


@pytest.fixture(scope="session")
def stack_services(
    gcs_emulator: dict[str, str], artifacts_dir: Path
) -> Iterator[dict[str, Service]]:
    """feature-store, model, drift and ui wired to each other on free ports, with the demo
    passengers loaded and a production model trained through the real training route.
    Own database and Redis, so no other test sees this state."""
    with trained_stack(ADMIN_TOKEN, gcs_emulator, artifacts_dir) as (services, _env):
        yield services
