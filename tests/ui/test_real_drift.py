"""The drift page over the real drift service, feature store, PostgreSQL and Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.ui.conftest import TOKEN, screenshot, start_ui
from tests.ui.real_stack import demo_feature_rows, register_production, start_data_services
from tests.ui.real_stack import start_drift as start_drift_service

pytestmark = pytest.mark.slow

ENV = {"APP_ENV": "test", "ADMIN_TOKEN": TOKEN, "LOG_LEVEL": "WARNING"}


def wait_ready(url: str, deadline_seconds: float = 60) -> None:
    """Poll /readyz until the drift service has loaded its reference (a deadline only)."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
            return
        time.sleep(0.3)
    raise TimeoutError(f"{url} not ready")


@pytest.fixture(scope="module")
def real_drift_ui(artifacts_dir: Path, stub_url: str) -> Iterator[str]:
    tmp = artifacts_dir / "ui-real-drift"
    stack = start_data_services(tmp, ENV, TOKEN)
    try:
        rows = demo_feature_rows()
        register_production(stack.dsn, 1, len(rows))
        drift = start_drift_service(stack)
        wait_ready(drift.url)
        # Third-class men only: a window clearly unlike the passenger list.
        shifted = [
            {k: v for k, v in r.items() if k != "passenger_id"}
            for r in rows
            if r["pclass"] == 3 and r["sex"] == "male"
        ][:50]
        response = httpx.post(
            f"{drift.url}/observations",
            json={"observations": shifted, "model_version": 1},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        response.raise_for_status()
        ui = start_ui(tmp, stub_url, drift.url)
        stack.stops.append(ui.stop)
        yield ui.url
    finally:
        stack.stop()


def test_drift_page_shows_real_detection(browser: Browser, real_drift_ui: str):
    page: Page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(real_drift_ui + "/drift")
    expect(page.get_by_test_id("header-drift")).to_have_text("Drift detected")
    expect(page.get_by_test_id("drift-status")).to_contain_text("Drift detected")
    expect(page.get_by_test_id("p-values").get_by_role("img")).to_contain_text("sex")
    expect(page.get_by_test_id("histograms").get_by_role("img")).to_have_count(11)
    expect(page.get_by_test_id("events").locator("tbody tr")).to_have_count(1)
    screenshot(page, "drift")
    page.close()
