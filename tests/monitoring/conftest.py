"""Fixtures for the monitoring tests."""

from __future__ import annotations

import pytest

from tests.monitoring.promtool import find_promtool


@pytest.fixture(scope="session")
def promtool() -> str:
    """Path of promtool; a missing promtool is a failure, never a skip."""
    path = find_promtool()
    if path is None:
        pytest.fail("promtool not found: apt-get install prometheus")
    return path
