"""UI test fixtures: a stub upstream and the real UI service, each a real process."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.procs import Proc, Service, free_port, start_service, wait_for_http
from tests.ui.stub_upstream import command

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"
TOKEN = "ui-test-admin-token-0123456789abcdef"


def start_stub(tmp: Path, name: str = "stub") -> tuple[Proc, str]:
    """The stub model+drift app on a free port, awaited until healthy."""
    port = free_port()
    proc = Proc(f"{name}-{port}", command(port), {}, tmp / f"{name}-{port}.log").start()
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/healthz", timeout=30, proc=proc.popen)
    return proc, url


def start_ui(tmp: Path, model_url: str, drift_url: str) -> Service:
    """The real titanic-ui console script pointed at the given services."""
    env = {
        "APP_ENV": "test",
        "ADMIN_TOKEN": TOKEN,
        "LOG_LEVEL": "WARNING",
        "UI_URL": f"http://127.0.0.1:{free_port()}",
        "MODEL_URL": model_url,
        "DRIFT_URL": drift_url,
        "HTTP_TIMEOUT_SECONDS": "2",
        "GRAFANA_URL": "http://grafana.example:3000",
    }
    return start_service("titanic-ui", "UI_URL", env, tmp)


@pytest.fixture(scope="session")
def stub_url(artifacts_dir: Path) -> Iterator[str]:
    """One stub process playing both the model and the drift service."""
    proc, url = start_stub(artifacts_dir)
    yield url
    proc.stop()


@pytest.fixture(scope="session")
def ui_url(artifacts_dir: Path, stub_url: str) -> Iterator[str]:
    """The UI service with both upstreams up."""
    service = start_ui(artifacts_dir, stub_url, stub_url)
    yield service.url
    service.stop()


@dataclass
class OutageSetup:
    ui_url: str
    model: Proc


@pytest.fixture
def ui_with_own_model(artifacts_dir: Path, stub_url: str) -> Iterator[OutageSetup]:
    """A UI whose model service is a private process the test may stop."""
    model, model_url = start_stub(artifacts_dir, "model-stub")
    service = start_ui(artifacts_dir, model_url, stub_url)
    yield OutageSetup(service.url, model)
    service.stop()
    model.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (no browser download).

    Module-scoped: Playwright's sync API keeps an event loop running while it is open,
    which would stop pytest-asyncio from running the async tests of other modules.
    """
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot for the docs."""
    # Always taken (a page that cannot render fails here); kept for the docs only when
    # asked (`make screenshots`), so a test run leaves the working tree clean.
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else Path(tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}.png", full_page=True)
