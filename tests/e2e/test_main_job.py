"""The user's first ten minutes: from nothing running, `make up`'s main job, predictions
over REST and in the browser, drifted traffic caught by the drift service, the drift page
and Prometheus, then `make down` leaving nothing behind."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from scripts.stack.supervisor import marked_processes
from tests.support import runner
from tests.support.db import create_database, drop_database
from tests.support.procs import start_redis
from tests.support.runner import PYTHON, isolated_stack_env
from tests.ui.conftest import CHROMIUM_ARGS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`python -m scripts.stack up` (what `make up` runs) on free ports, then down."""
    tmp = tmp_path_factory.mktemp("e2e")
    redis, redis_port = start_redis(tmp)
    app_db, airflow_db = create_database("titanic_e2e"), create_database("titanic_e2e_af")
    env = isolated_stack_env(tmp, app_db, f"redis://127.0.0.1:{redis_port}/0", airflow_db)
    up = runner.stack(["up"], env, timeout=1800)
    try:
        assert up.returncode == 0, f"make up failed:\n{up.stdout[-4000:]}\n{up.stderr[-4000:]}"
        env["UP_OUTPUT"] = up.stdout
        env.update(
            line.split("=", 1)
            for line in (tmp / ".env").read_text().splitlines()
            if line.startswith("ADMIN_TOKEN=")
        )
        yield env
    finally:
        runner.stack(["down"], env, timeout=300)  # idempotent
        redis.stop()
        drop_database(app_db)
        drop_database(airflow_db)


def test_up_reports_what_it_did(stack: dict[str, str]) -> None:
    out = stack["UP_OUTPUT"]
    assert re.search(r"Rows loaded / rejected\s*│\s*1309 / 0", out), out[-3000:]
    assert re.search(r"Production model\s*│\s*version \d+", out)
    assert re.search(r"CV accuracy \(5-fold\)\s*│\s*0\.\d{3}", out)
    assert stack["UI_URL"] in out


def test_second_up_is_safe_and_quick(stack: dict[str, str]) -> None:
    started = time.monotonic()
    again = runner.stack(["up"], stack, timeout=600)
    assert again.returncode == 0, again.stdout[-3000:]
    assert "already there" in again.stdout
    assert time.monotonic() - started < 300


def test_predictions_by_attributes_and_by_passenger_id(stack: dict[str, str]) -> None:
    model = stack["MODEL_URL"]
    # Passenger 1 of the demo list: Allen, Miss. Elisabeth Walton, first class.
    raw = {
        "pclass": 1,
        "sex": "female",
        "age": 29,
        "sibsp": 0,
        "parch": 0,
        "fare": 211.3375,
        "embarked": "S",
        "name": "Allen, Miss. Elisabeth Walton",
        "cabin": "B5",
    }
    by_raw = httpx.post(f"{model}/predict", json=raw, timeout=10)
    by_id = httpx.post(f"{model}/predict", json={"passenger_id": 1}, timeout=10)
    assert by_raw.status_code == 200, by_raw.text
    assert by_id.status_code == 200, by_id.text
    assert by_raw.json()["survival_probability"] > 0.5
    assert by_id.json()["survival_probability"] == pytest.approx(
        by_raw.json()["survival_probability"], abs=1e-6
    )


def test_the_form_in_a_real_browser(stack: dict[str, str]) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(stack["UI_URL"] + "/")
        page.get_by_label("Third class").check()
        page.get_by_label("Male", exact=True).check()
        page.get_by_label("Age in years").fill("30")
        page.get_by_label("Fare paid (pounds, 1912)").fill("8.05")
        page.get_by_label("Southampton").check()
        page.get_by_role("button", name="Estimate survival").click()
        expect(page.get_by_test_id("probability")).to_have_text(re.compile(r"^\d{1,3}%$"))
        expect(page.get_by_test_id("model-version")).to_have_text(re.compile(r"^\d+$"))
        browser.close()


def test_drifted_traffic_is_detected_shown_and_alerted(stack: dict[str, str]) -> None:
    traffic = runner.run(
        [PYTHON, "scripts/traffic.py", "--normal", "150", "--drifted", "250", "--rate", "200"],
        stack,
        timeout=600,
    )
    assert traffic.returncode == 0, traffic.stdout[-2000:] + traffic.stderr[-2000:]
    drift, headers = stack["DRIFT_URL"], {"Authorization": f"Bearer {stack['ADMIN_TOKEN']}"}

    def detected() -> bool:
        events = httpx.get(f"{drift}/drift/events", params={"limit": 20}, timeout=10).json()
        return any(e["is_drift"] for e in events["events"])

    deadline = time.monotonic() + 120
    while not detected() and time.monotonic() < deadline:
        httpx.post(f"{drift}/drift/check", headers=headers, timeout=30)
        time.sleep(3)
    assert detected(), httpx.get(f"{drift}/drift/status", timeout=10).text

    page = httpx.get(f"{stack['UI_URL']}/drift", timeout=10).text
    assert "Drift detected" in page

    prometheus = stack["PROMETHEUS_URL"]
    deadline = time.monotonic() + 180
    firing = []
    while time.monotonic() < deadline:
        alerts = httpx.get(f"{prometheus}/api/v1/alerts", timeout=10).json()["data"]["alerts"]
        firing = [
            a
            for a in alerts
            if a["labels"]["alertname"] == "DriftDetected" and a["state"] == "firing"
        ]
        if firing:
            break
        time.sleep(5)
    assert firing, "DriftDetected never fired in Prometheus"


def test_down_leaves_no_process_of_ours(stack: dict[str, str]) -> None:
    """Runs last in this module: `down` stops everything `up` started."""
    down = runner.stack(["down"], stack, timeout=300)
    assert down.returncode == 0, down.stdout + down.stderr
    time.sleep(0.5)
    assert marked_processes(Path(stack["STACK_RUN_DIR"])) == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{stack['MODEL_URL']}/healthz", timeout=2)
