"""Feature-store fixtures: one real service process per session on the session Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.feature_store.support import start_feature_store


@pytest.fixture(scope="session")
def feature_store_url(redis_url: str, artifacts_dir: Path) -> Iterator[str]:
    """Base URL of a titanic-feature-store process, stopped by PID afterwards."""
    service = start_feature_store(redis_url, artifacts_dir / "feature-store")
    yield service.url
    service.stop()


@pytest.fixture(scope="session")
def fs(feature_store_url: str) -> Iterator[httpx.Client]:
    """HTTP client of the service; generous timeout so a hang fails instead of passing."""
    with httpx.Client(base_url=feature_store_url, timeout=10.0) as client:
        yield client
