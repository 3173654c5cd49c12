"""The shipped config and rules in a real Prometheus, with batch-job metrics pushed through
the real Pushgateway by the library the ingestion and training jobs use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.monitoring.dashboards import DASHBOARD_DIR, load_dashboard
from tests.monitoring.live import api, query, start_prometheus, start_pushgateway, wait_for
from tests.monitoring.promql import load_rules
from tests.support.procs import free_port
from titanic_common.ingest.metrics import push_ingest_metrics, push_train_metrics

pytestmark = pytest.mark.slow

SERVICE_JOBS = ("ui", "feature-store", "model", "drift")


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prometheus + Pushgateway; the service targets are ports where nothing listens."""
    tmp = tmp_path_factory.mktemp("prometheus-live")
    gateway, gateway_url = start_pushgateway(tmp)
    targets = {job: f"127.0.0.1:{free_port()}" for job in SERVICE_JOBS}
    targets["pushgateway"] = gateway_url.removeprefix("http://")
    prom, url = start_prometheus(targets, tmp)
    assert push_ingest_metrics(gateway_url, rows_loaded=120, rows_rejected=3)
    assert push_train_metrics(gateway_url)
    yield url
    prom.stop()
    gateway.stop()


def _evaluated_rules(url: str) -> list[dict] | None:
    groups = api(url, "rules")["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    # Prometheus reports a never-evaluated rule with the zero time, year 0001.
    if rules and not any(rule["lastEvaluation"].startswith("0001") for rule in rules):
        return rules
    return None


def test_every_shipped_rule_loads_and_evaluates_cleanly(prometheus: str) -> None:
    rules = wait_for(lambda: _evaluated_rules(prometheus), "every rule to be evaluated")
    assert len(rules) == len(load_rules())
    assert {rule["name"]: rule["health"] for rule in rules if rule["health"] != "ok"} == {}


def test_pushed_batch_metrics_keep_their_job_labels(prometheus: str) -> None:
    series = wait_for(
        lambda: query(prometheus, "train_last_success_timestamp_seconds"), "pushed metrics"
    )
    assert {s["metric"]["job"] for s in series} == {"titanic_train"}
    ingest = query(prometheus, "ingest_last_success_timestamp_seconds")
    assert {s["metric"]["job"] for s in ingest} == {"titanic_ingest"}


def test_pipelines_dashboard_shows_the_pushed_run(prometheus: str) -> None:
    wait_for(lambda: query(prometheus, "ingest_rows"), "ingest_rows to be scraped")
    board = load_dashboard(Path(DASHBOARD_DIR / "pipelines.json"))
    for panel in board.panels:
        for target in panel.targets:
            assert query(prometheus, target.expr), f"{panel.title}: no data for {target.expr}"
    rows = query(prometheus, "sum by (status) (ingest_rows)")
    assert {s["metric"]["status"]: float(s["value"][1]) for s in rows} == {
        "loaded": 120.0,
        "rejected": 3.0,
    }


def test_a_service_that_does_not_answer_raises_service_down(prometheus: str) -> None:
    def service_down_jobs() -> set[str] | None:
        alerts = api(prometheus, "alerts")["alerts"]
        jobs = {a["labels"]["job"] for a in alerts if a["labels"]["alertname"] == "ServiceDown"}
        return jobs if jobs >= set(SERVICE_JOBS) else None

    jobs = wait_for(service_down_jobs, "ServiceDown for every unreachable service")
    assert "pushgateway" not in jobs
