"""Helpers for feature-store tests: start the real service, build valid rows."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from tests.conftest import ADMIN_TOKEN
from tests.support.procs import Service, free_port, start_service

SCRIPT = "titanic-feature-store"


def start_feature_store(redis_url: str, tmp: Path, **extra_env: str) -> Service:
    """The titanic-feature-store console script on a free port, against `redis_url`."""
    env = {
        "APP_ENV": "test",
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "REDIS_URL": redis_url,
        "FEATURE_STORE_URL": f"http://127.0.0.1:{free_port()}",
        "LOG_LEVEL": "INFO",
        **extra_env,
    }
    return start_service(SCRIPT, "FEATURE_STORE_URL", env, tmp)


def passenger_row(passenger_id: int, **overrides: Any) -> dict[str, Any]:
    """A valid passenger_features v1 row."""
    row = {
        "passenger_id": passenger_id,
        "pclass": 1 + passenger_id % 3,
        "sex": "female" if passenger_id % 2 else "male",
        "age": 20.5 + passenger_id % 40,
        "fare": 7.25 + passenger_id % 100,
        "embarked": "CQS"[passenger_id % 3],
        "sibsp": passenger_id % 2,
        "parch": 0,
        "family_size": 1 + passenger_id % 2,
        "is_alone": 1 - passenger_id % 2,
        "has_cabin": 0,
        "title": "Mrs" if passenger_id % 2 else "Mr",
    }
    row.update(overrides)
    return row


def unique_view(prefix: str) -> str:
    """A view name no other test uses, so tests sharing one Redis never collide."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"
