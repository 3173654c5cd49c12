"""extract_titanic_data under faults of its real dependencies, run by dag.test():
PostgreSQL restarted while a load is in flight, and the GCS emulator down at listing time.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.airflow.conftest import DagRunner, pipeline_env, upload
from tests.airflow.test_extract_dag import assert_store_matches, passengers, query, run_extract
from tests.ingest.conftest import HEADER
from tests.support.gcs import start_gcs_emulator
from tests.support.pg import PrivatePostgres
from tests.support.procs import Service
from titanic_common.ingest.load import LoadRequest, load_validated
from titanic_common.ingest.validate import validate_file
from titanic_common.migrate import apply_migrations

pytestmark = pytest.mark.slow

DAG_ID = "extract_titanic_data"
TRIES = 1 + 4  # first try + NETWORK_RETRIES["retries"] of the DAG
COLUMNS = ("survived", "pclass", "name", "sex", "age", "sibsp", "parch", "ticket", "fare")
COLUMNS += ("cabin", "embarked")


def task_tries(airflow_home: Path, run_id: str) -> dict[str, int]:
    """Highest try_number of each task of one DAG run, from Airflow's metadata DB."""
    with sqlite3.connect(airflow_home / "airflow.db") as db:
        rows = db.execute(
            "SELECT task_id, MAX(try_number) FROM task_instance"
            " WHERE dag_id = ? AND run_id = ? GROUP BY task_id",
            (DAG_ID, run_id),
        ).fetchall()
    return dict(rows)


def task_states(airflow_home: Path, run_id: str) -> dict[str, str]:
    with sqlite3.connect(airflow_home / "airflow.db") as db:
        rows = db.execute(
            "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
            (DAG_ID, run_id),
        ).fetchall()
    return dict(rows)


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of this test's own, so restarting it disturbs no other test."""
    server = PrivatePostgres.create()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


def load_waiting_on_lock(dsn: str) -> bool:
    """True once load_to_sql waits for its lock on passengers (taken before it writes)."""
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        (waiting,) = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE 'LOCK TABLE passengers%' AND pid <> pg_backend_pid()"
        ).fetchone()
    return waiting > 0


# Valid rows as the CSV states them, by passenger id; the file holds each once.
GOOD = {
    7000 + i: {
        "survived": i % 2,
        "pclass": 1 + i % 3,
        "name": f"Restart, Mr. R{i}",
        "sex": "male" if i % 2 else "female",
        "age": float(20 + i),
        "sibsp": i % 3,
        "parch": 0,
        "ticket": f"R{i}",
        "fare": 10.5 + i,
        "cabin": f"C{i}" if i % 4 == 0 else None,
        "embarked": "SCQ"[i % 3],
    }
    for i in range(1, 61)
}
BAD_LINES = [
    '7101,0,4,"Bad, Mr. Class",male,30,0,0,X1,7.0,,S',  # Pclass out of range
    '7102,0,3,"Bad, Mr. Age",male,130,0,0,X2,7.0,,S',  # Age over 120
    '7001,1,2,"Again, Mr. One",male,40,0,0,X3,9.0,,S',  # duplicate PassengerId 7001
]


def csv_line(pid: int, r: dict) -> str:
    cells = [pid, r["survived"], r["pclass"], f'"{r["name"]}"', r["sex"], r["age"], r["sibsp"]]
    cells += [r["parch"], r["ticket"], r["fare"], r["cabin"] or "", r["embarked"]]
    return ",".join(str(c) for c in cells)


def restart_csv() -> str:
    """GOOD as CSV lines with BAD_LINES on lines 32-34 (the header is line 1)."""
    lines = [csv_line(pid, row) for pid, row in GOOD.items()]
    return "\n".join([HEADER, *lines[:30], *BAD_LINES, *lines[30:]]) + "\n"


def migrated_database(server: PrivatePostgres) -> str:
    dsn = server.create_database("titanic")
    apply_migrations(dsn)
    return dsn


def test_postgres_restart_during_load_retries_and_loads_each_row_once(
    dag_runner: DagRunner,
    airflow_home: Path,
    private_pg: PrivatePostgres,
    gcs_emulator: dict[str, str],
    feature_store: Service,
    tmp_path: Path,
) -> None:
    """PostgreSQL is restarted while load_to_sql's transaction is open.

    Determinism: the test holds an ACCESS EXCLUSIVE lock on passengers, so the load
    blocks inside its transaction (ingestion_runs row inserted) on its own lock;
    once PostgreSQL shows it waiting, the server is stopped (fast shutdown: the load's
    connection is terminated mid-transaction) and started again 3 s later. Retries come
    after 1-2, 2-4, 4-8 s, so a later try always finds the server back.
    """
    dsn = migrated_database(private_pg)
    env = pipeline_env(gcs_emulator, feature_store, dsn, tmp_path / "work", "faults")
    uri = upload(env, "restart.csv", restart_csv().encode())

    outcome: dict = {}
    locker = psycopg.connect(dsn)
    locker.execute("LOCK TABLE passengers IN ACCESS EXCLUSIVE MODE")  # held: no commit
    worker = threading.Thread(target=lambda: outcome.update(run_extract(dag_runner, env)))
    worker.start()
    try:
        deadline = time.monotonic() + 120
        while not load_waiting_on_lock(dsn):
            assert worker.is_alive() and time.monotonic() < deadline, dag_runner.log_tail()
            time.sleep(0.2)
        private_pg.stop()  # fast shutdown while the load is in flight
        time.sleep(3)
    finally:
        locker.close()
        private_pg.start()
    worker.join(180)
    assert not worker.is_alive(), dag_runner.log_tail()

    assert outcome["state"] == "success", outcome["log"][-3000:]
    # The in-flight load was cut off by the restart, and load_to_sql was tried again.
    assert "terminating connection due to administrator command" in outcome["log"]
    tries = task_tries(airflow_home, outcome["run_id"])
    assert tries["load_to_sql"] >= 2, tries
    assert tries["list_files"] == tries["download_file"] == tries["validate"] == 1, tries

    # passengers holds exactly the valid rows of the file, each once, as the file states them.
    loaded = passengers(dsn)
    assert {pid: {c: row[c] for c in COLUMNS} for pid, row in loaded.items()} == GOOD
    (count,) = query(dsn, "SELECT count(*) AS n FROM passengers")
    assert count["n"] == len(GOOD)
    # One run (the cut-off transaction left nothing behind), succeeded, counts adding up.
    (run,) = query(dsn, "SELECT * FROM ingestion_runs")
    assert (run["source_uri"], run["status"], run["error"]) == (uri, "succeeded", None)
    assert run["dag_run_id"] == outcome["run_id"] and run["finished_at"] is not None
    assert (run["rows_total"], run["rows_loaded"], run["rows_rejected"]) == (
        len(GOOD) + len(BAD_LINES),
        len(GOOD),
        len(BAD_LINES),
    )
    assert {row["ingestion_run_id"] for row in loaded.values()} == {run["id"]}
    rejects = query(
        dsn, "SELECT ingestion_run_id, line_number, raw FROM rejected_rows ORDER BY line_number"
    )
    assert [(r["ingestion_run_id"], r["line_number"], r["raw"]) for r in rejects] == [
        (run["id"], 32 + i, line) for i, line in enumerate(BAD_LINES)
    ]
    assert_store_matches(feature_store.url, loaded)


def test_load_retried_after_its_commit_takes_over_the_run(
    private_pg: PrivatePostgres, tmp_path: Path
) -> None:
    """A try of load_to_sql can commit and still fail (PostgreSQL goes down before COMMIT
    is answered). Its retry, the same request again, must not leave a second run stuck in
    'running' nor store the rejects twice: it takes over the committed run."""
    dsn = migrated_database(private_pg)
    src = tmp_path / "restart.csv"
    src.write_text(restart_csv())
    valid, rejects = tmp_path / "valid.csv", tmp_path / "rejects.csv"
    summary = validate_file(src, valid, rejects)
    request = LoadRequest(
        dag_run_id="manual__lost-commit",
        source_uri="gs://titanic-test/faults/restart.csv",
        source_generation="1",
        source_checksum="sha256:x",
        valid_path=str(valid),
        rejects_path=str(rejects),
        **summary.model_dump(),  # the counts and the PassengerId range
    )
    first = load_validated(dsn, request)  # committed; the try's answer is lost
    before = passengers(dsn)

    retried = load_validated(dsn, request)

    assert retried.run_id == first.run_id and retried.rows_changed == 0
    assert passengers(dsn) == before  # updated_at and ingestion_run_id included
    (run,) = query(dsn, "SELECT id, status, rows_loaded, rows_rejected FROM ingestion_runs")
    assert run == {
        "id": first.run_id,
        "status": "running",
        "rows_loaded": len(GOOD),
        "rows_rejected": len(BAD_LINES),
    }
    rejected = query(dsn, "SELECT ingestion_run_id, raw FROM rejected_rows ORDER BY line_number")
    assert rejected == [{"ingestion_run_id": first.run_id, "raw": line} for line in BAD_LINES]


def test_gcs_emulator_down_when_listing_retries_then_fails_clearly(
    dag_runner: DagRunner,
    airflow_home: Path,
    ingest_env: dict[str, str],
    artifacts_dir: Path,
) -> None:
    """The emulator holds a file but is stopped before the run: list_files is tried
    1 + retries times, each failing at once with a message naming the unreachable
    storage, then the run fails and nothing is loaded."""
    emulator, url = start_gcs_emulator(artifacts_dir, bucket="titanic-down")
    env = {
        **ingest_env,
        "STORAGE_EMULATOR_HOST": url,
        "GCS_BUCKET": "titanic-down",
        "TITANIC_RETRY_DELAY_SECONDS": "0.2",  # backoff rounds up to 1-2, 1-2, 1-2, 2-4 s
    }
    try:
        upload(
            env, "waiting.csv", f'{HEADER}\n8001,0,3,"Down, Mr. D",male,30,0,0,T,7,,S\n'.encode()
        )
    finally:
        emulator.stop()

    started = time.monotonic()
    result = run_extract(dag_runner, env)
    elapsed = time.monotonic() - started

    assert result["state"] == "failed", result["log"][-3000:]
    tries = task_tries(airflow_home, result["run_id"])
    assert tries["list_files"] == TRIES, tries
    states = task_states(airflow_home, result["run_id"])
    assert states["list_files"] == "failed", states
    assert {states[t] for t in ("download_file", "load_to_sql", "report")} == {"upstream_failed"}
    message = (
        f"cannot list gs://titanic-down/{env['GCS_PREFIX']}: GCS storage at {url} is"
        " unreachable ([Errno 111] Connection refused); is the emulator at"
        " STORAGE_EMULATOR_HOST running?"
    )
    assert message in result["log"], result["log"][-3000:]
    assert result["log"].count(message) >= TRIES
    # Each try fails at once (no gcsfs retry loop of ~35 s per try): only the backoff counts.
    assert elapsed < 60, elapsed
    dsn = ingest_env["DATABASE_URL"]
    assert passengers(dsn) == {}
    assert query(dsn, "SELECT id FROM ingestion_runs") == []
