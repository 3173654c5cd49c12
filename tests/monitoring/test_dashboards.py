"""Grafana provisioning and dashboards: valid, consistent with the datasource, and asking
only for metrics that exist (the contract's or our recording rules')."""

from __future__ import annotations

import configparser
import json
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from tests.monitoring.dashboards import Dashboard, all_targets, dashboard_files, load_dashboard
from tests.monitoring.promql import GRAFANA_DIR, known_metrics, metric_names, recorded_names
from tests.monitoring.promtool import run_promtool

PROVISIONING = GRAFANA_DIR / "provisioning"
EXPECTED_TITLES = {"ML overview", "Services", "Feature store", "Pipelines"}


def provisioned_datasource() -> dict:
    config = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    (datasource,) = config["datasources"]
    return datasource


def test_datasource_is_prometheus_with_the_fixed_uid() -> None:
    datasource = provisioned_datasource()
    assert datasource["type"] == "prometheus"
    assert datasource["uid"] == "prometheus"
    assert datasource["url"] == "http://prometheus:9090"


def test_dashboard_provider_reads_the_dashboard_folder_read_only() -> None:
    config = yaml.safe_load((PROVISIONING / "dashboards" / "titanic.yml").read_text())
    (provider,) = config["providers"]
    assert provider["type"] == "file"
    assert provider["allowUiUpdates"] is False
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"


def test_grafana_has_no_anonymous_access_and_no_password_in_files() -> None:
    ini = configparser.ConfigParser()
    ini.read(GRAFANA_DIR / "grafana.ini")
    assert ini.getboolean("auth.anonymous", "enabled") is False
    assert ini.getboolean("users", "allow_sign_up") is False
    assert not ini.has_option("security", "admin_password")


@pytest.mark.parametrize("path", dashboard_files(), ids=lambda p: p.name)
def test_dashboard_is_valid_grafana_json(path: Path) -> None:
    board = load_dashboard(path)
    raw = json.loads(path.read_text())
    assert raw.get("id") is None, "provisioned dashboards must not pin a database id"
    panel_ids = [panel.id for panel in board.panels]
    assert len(panel_ids) == len(set(panel_ids)), f"{path.name}: duplicate panel ids"
    for panel in board.panels:
        assert panel.gridPos.x + panel.gridPos.w <= 24, f"{panel.title} overflows the grid"
        ref_ids = [target.refId for target in panel.targets]
        assert len(ref_ids) == len(set(ref_ids)), f"{panel.title}: duplicate refIds"


def test_the_four_dashboards_exist_with_unique_uids() -> None:
    boards = [load_dashboard(path) for path in dashboard_files()]
    assert {board.title for board in boards} == EXPECTED_TITLES
    uids = [board.uid for board in boards]
    assert len(uids) == len(set(uids))


def test_every_panel_and_query_uses_the_provisioned_datasource() -> None:
    uid = provisioned_datasource()["uid"]
    for path in dashboard_files():
        for panel in load_dashboard(path).panels:
            refs = [panel.datasource, *(target.datasource for target in panel.targets)]
            assert {(ref.type, ref.uid) for ref in refs} == {("prometheus", uid)}, panel.title


def test_every_query_uses_only_known_metrics() -> None:
    allowed = known_metrics() | recorded_names()
    unknown = {
        f"{board} / {panel} / {target.refId}": metric_names(target.expr) - allowed
        for board, panel, target in all_targets()
    }
    assert {where: names for where, names in unknown.items() if names} == {}


def test_every_query_is_valid_promql(promtool: str, tmp_path: Path) -> None:
    """promtool parses each panel query, written as a recording rule."""
    rules = [
        {"record": f"dashboard:query:{i}", "expr": target.expr}
        for i, (_, _, target) in enumerate(all_targets())
    ]
    path = tmp_path / "dashboard_queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    run_promtool(promtool, "check", "rules", path)


def test_dashboard_model_rejects_a_panel_without_datasource() -> None:
    """The schema check is not vacuous: a panel missing its datasource is refused."""
    raw = json.loads(dashboard_files()[0].read_text())
    del raw["panels"][0]["datasource"]
    with pytest.raises(ValidationError, match="datasource"):
        Dashboard.model_validate(raw)
