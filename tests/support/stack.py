"""The four services wired together, with the demo passengers and a production model
trained through the real training route. Used by the shared test fixture and the load
benchmark."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import seed
from tests.support.db import create_migrated_database, drop_database
from tests.support.procs import Service, free_port, start_redis, start_service
from tests.support.services import SERVICES

# The model service's feed sends it to the drift service (POST /observations only).
SERVICE_TOKEN = "test-service-token-0123456789abcd"


@contextmanager
def trained_stack(
    token: str, gcs_env: dict[str, str], tmp: Path
) -> Iterator[tuple[dict[str, Service], dict[str, str]]]:
    """Own database and Redis; yields (services by script name, their environment)."""
    dsn = create_migrated_database("titanic_stack")
    redis, redis_port = start_redis(tmp)
    urls = {var: f"http://127.0.0.1:{free_port()}" for var in SERVICES.values()}
    env = {
        "APP_ENV": "test",
        "ADMIN_TOKEN": token,
        "SERVICE_TOKEN": SERVICE_TOKEN,
        "DATABASE_URL": dsn,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "MODEL_POLL_SECONDS": "1",
        "DRIFT_REFERENCE_POLL_SECONDS": "1",
        **seed.FAST_TRAINING_ENV,
        **gcs_env,
        **urls,
    }
    started: dict[str, Service] = {}
    try:
        for script, var in SERVICES.items():
            started[script] = start_service(script, var, env, tmp / "stack")
        rows = seed.demo_rows()
        seed.load_passengers(dsn, rows)
        seed.push_features(env["FEATURE_STORE_URL"], token, rows)
        seed.train_production_model(env["MODEL_URL"], token)
        seed.wait_until_ready(env["MODEL_URL"])
        seed.wait_until_ready(env["DRIFT_URL"])
        yield started, env
    finally:
        for service in started.values():
            service.stop()
        redis.stop()
        drop_database(dsn)
