"""Prometheus config, recording and alert rules: checked and unit-tested with promtool."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from tests.monitoring.promql import (
    PROMETHEUS_DIR,
    PROPOSED_METRICS,
    ROOT,
    RULE_FILES,
    known_metrics,
    load_rules,
    metric_names,
    recorded_names,
)
from tests.monitoring.promtool import run_promtool

CONFIGS = (PROMETHEUS_DIR / "prometheus.yml", PROMETHEUS_DIR / "prometheus.compose.yml")
RULE_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
JOBS = {"ui", "feature-store", "model", "drift", "pushgateway"}
REQUIRED_ALERTS = {
    "DriftDetected",
    "PredictionErrorRateHigh",
    "PredictionLatencyHigh",
    "ServiceDown",
    "FeatureStoreNotFoundRateHigh",
    "IngestionStale",
    "ModelNotReady",
}
RUNBOOK = ROOT / "docs" / "monitoring.md"


def alert_rules() -> list[dict]:
    return [rule for rule in load_rules() if "alert" in rule]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.name)
def test_promtool_accepts_config(promtool: str, config: Path) -> None:
    run_promtool(promtool, "check", "config", config)


def test_promtool_accepts_rules(promtool: str) -> None:
    run_promtool(promtool, "check", "rules", *RULE_FILES)


def test_promtool_rule_unit_tests_pass(promtool: str) -> None:
    assert RULE_TESTS, "no promtool rule tests found"
    output = run_promtool(promtool, "test", "rules", *RULE_TESTS)
    assert output.count("SUCCESS") == len(RULE_TESTS)


def _targets(config: dict) -> dict[str, list[str]]:
    return {
        job["job_name"]: [t for sc in job["static_configs"] for t in sc["targets"]]
        for job in config["scrape_configs"]
    }


def test_local_and_compose_configs_differ_only_in_target_hosts() -> None:
    local, compose = (yaml.safe_load(p.read_text()) for p in CONFIGS)
    local_targets, compose_targets = _targets(local), _targets(compose)
    assert set(local_targets) == JOBS
    assert all(t.startswith("127.0.0.1:") for ts in local_targets.values() for t in ts)
    for job, targets in compose_targets.items():
        assert targets == [f"{job}:{t.split(':')[1]}" for t in local_targets[job]]
    for config in (local, compose):
        for job in config["scrape_configs"]:
            job.pop("static_configs")
    assert local == compose


def test_pushgateway_job_keeps_pushed_job_labels() -> None:
    config = yaml.safe_load(CONFIGS[0].read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["pushgateway"].get("honor_labels") is True


def test_every_required_alert_exists() -> None:
    assert {rule["alert"] for rule in alert_rules()} == REQUIRED_ALERTS


def test_rules_use_only_contract_or_recorded_metrics() -> None:
    allowed = known_metrics() | recorded_names() | PROPOSED_METRICS
    unknown = {
        rule.get("alert") or rule["record"]: metric_names(rule["expr"]) - allowed
        for rule in load_rules()
    }
    assert {name: names for name, names in unknown.items() if names} == {}


def test_every_alert_tells_on_call_what_to_look_at() -> None:
    anchors = set(re.findall(r"^## (\w+)", RUNBOOK.read_text(), flags=re.MULTILINE))
    for rule in alert_rules():
        notes = rule.get("annotations", {})
        assert notes.get("summary"), f"{rule['alert']} has no summary"
        assert len(notes.get("description", "")) > 80, f"{rule['alert']} description too thin"
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert notes.get("runbook") == f"docs/monitoring.md#{rule['alert'].lower()}"
        assert rule["alert"] in anchors, f"docs/monitoring.md has no section {rule['alert']}"


def test_every_alert_has_a_firing_and_a_quiet_promtool_case() -> None:
    cases: dict[str, set[str]] = defaultdict(set)
    for path in RULE_TESTS:
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                cases[case["alertname"]].add("firing" if case["exp_alerts"] else "quiet")
    assert {name: cases[name] for name in REQUIRED_ALERTS} == {
        name: {"firing", "quiet"} for name in REQUIRED_ALERTS
    }
