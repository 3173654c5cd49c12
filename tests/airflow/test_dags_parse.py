"""The DAG folder parses cleanly, without touching a database or the network."""

from __future__ import annotations

from tests.airflow.conftest import DagRunner


def test_dags_import_without_errors_or_parse_time_io(dag_runner: DagRunner) -> None:
    # Settings that would fail on any use: parsing must not read or connect to them.
    env = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "ADMIN_TOKEN": "x"}
    bag = dag_runner.call("parse", env)
    assert bag["import_errors"] == {}
    assert set(bag["dags"]) == {"extract_titanic_data", "train_titanic_model"}
    for dag in bag["dags"].values():
        assert dag["catchup"] is False and dag["has_doc"] and dag["tags"]
        assert dag["start_date_tz"] == "UTC"
    extract, train = bag["dags"]["extract_titanic_data"], bag["dags"]["train_titanic_model"]
    assert list(extract["tasks"]) == [
        "list_files", "download_file", "validate", "load_to_sql", "push_features", "report",
    ]  # fmt: skip
    for task in ("list_files", "download_file", "load_to_sql", "push_features", "report"):
        assert extract["tasks"][task]["retries"] > 0, task
    assert extract["outlets"] == ["postgres://titanic/public/passengers"]
    assert "postgres://titanic/public/passengers" in train["schedule"]
