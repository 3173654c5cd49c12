"""Hostile files through extract_titanic_data, all in one dag.test() run: Latin-1 text,
binary junk, an empty file, one over INGEST_MAX_FILE_BYTES, and a file whose good rows sit
between a ~10 MB line and a line with an unterminated quote. Each broken file is refused
with a recorded reason; its neighbours' good rows still load."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.airflow.conftest import DagRunner, upload
from tests.airflow.test_extract_dag import assert_store_matches, passengers, query, run_extract
from tests.ingest.conftest import HEADER
from tests.support.procs import Service
from titanic_common.ingest.settings import IngestSettings
from titanic_common.ingest.validate import MAX_LINE_BYTES

pytestmark = pytest.mark.slow

HUGE_LINE_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_FILE_BYTES = IngestSettings.model_fields["INGEST_MAX_FILE_BYTES"].default


def task_states(airflow_home: Path, run_id: str) -> dict[str, list[str]]:
    """States of each task's instances in one DAG run, in map-index order."""
    with sqlite3.connect(airflow_home / "airflow.db") as db:
        rows = db.execute(
            "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?"
            " ORDER BY task_id, map_index",
            ("extract_titanic_data", run_id),
        ).fetchall()
    states: dict[str, list[str]] = {}
    for task_id, state in rows:
        states.setdefault(task_id, []).append(state)
    return states


def test_hostile_files_are_refused_with_reasons_and_good_rows_still_load(
    dag_runner: DagRunner, ingest_env: dict[str, str], feature_store: Service, airflow_home: Path
) -> None:
    good = [f'{8000 + i},1,2,"Sound, Mrs. R{i}",female,{30 + i},0,0,T{i},10,,S' for i in (1, 2, 3)]
    huge = '8100,0,3,"' + "x" * HUGE_LINE_BYTES + ', Mr. Long",male,40,0,0,T,8,,S'
    open_quote = '8101,0,3,"Open, Mr. Quote,male,40,0,0,T,8,,S'
    # Lines: 1 header, 2 good, 3 huge, 4 good, 5 open quote, 6 good.
    mixed = ("\n".join([HEADER, good[0], huge, good[1], open_quote, good[2]]) + "\n").encode()
    # Valid rows, one byte over the limit (padded with blank lines, which are tolerated).
    too_big = f'{HEADER}\n8300,1,1,"Big, Mr. File",male,50,0,0,T,9,,S\n'.encode()
    too_big = too_big.ljust(len(mixed) + 1, b"\n")
    uris = {
        "mixed": upload(ingest_env, "mixed.csv", mixed),
        "latin1": upload(
            ingest_env,
            "latin1.csv",
            f'{HEADER}\n8200,0,3,"Müller, Mr. Hans",male,30,0,0,T,8,,S\n'.encode("latin-1"),
        ),
        "binary": upload(ingest_env, "picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 64),
        "empty": upload(ingest_env, "empty.csv", b""),
        "too_big": upload(ingest_env, "too_big.csv", too_big),
    }
    env = {**ingest_env, "INGEST_MAX_FILE_BYTES": str(len(mixed))}

    try:
        result = run_extract(dag_runner, env)
    finally:  # the runner keeps env between commands: give later tests the default back
        dag_runner.call("parse", {"INGEST_MAX_FILE_BYTES": str(DEFAULT_MAX_FILE_BYTES)})

    dsn = ingest_env["DATABASE_URL"]
    states = task_states(airflow_home, result["run_id"])
    context = f"{states}\n{result['log'][-4000:]}"
    # The good rows of the mixed file, and only they, are loaded and pushed.
    rows = passengers(dsn)
    assert sorted(rows) == [8001, 8002, 8003], context
    assert_store_matches(feature_store.url, rows)
    # Nothing ended without a record: each object has exactly one run saying what happened.
    runs = query(dsn, "SELECT * FROM ingestion_runs")
    assert sorted(r["source_uri"] for r in runs) == sorted(uris.values()), context
    by_uri = {r["source_uri"]: r for r in runs}

    ok = by_uri[uris["mixed"]]
    assert (ok["status"], ok["error"]) == ("succeeded", None)
    assert (ok["rows_total"], ok["rows_loaded"], ok["rows_rejected"]) == (5, 3, 2)
    rejects = query(
        dsn,
        "SELECT line_number, raw, reason FROM rejected_rows WHERE ingestion_run_id = %s"
        " ORDER BY line_number",
        ok["id"],
    )
    assert [(r["line_number"], r["reason"]) for r in rejects] == [
        (3, f"line longer than {MAX_LINE_BYTES} bytes"),
        (5, "malformed CSV: unterminated quote"),
    ]
    # The 10 MB line is kept as a short prefix, not stored (or held) whole.
    assert rejects[0]["raw"].startswith('8100,0,3,"xxx') and len(rejects[0]["raw"]) < 1000
    assert rejects[1]["raw"] == open_quote
    assert query(dsn, "SELECT count(*) AS n FROM rejected_rows")[0]["n"] == 2

    refused = {
        "latin1": "not UTF-8 text: invalid byte on line 2",
        "binary": "binary content",
        "empty": "file is empty",
        "too_big": f"file is {len(mixed) + 1} bytes, over INGEST_MAX_FILE_BYTES ({len(mixed)})",
    }
    for kind, reason in refused.items():
        run = by_uri[uris[kind]]
        assert run["status"] == "refused" and reason in run["error"], (kind, run["error"])
        assert run["rows_loaded"] == 0 and run["finished_at"] is not None, kind
        assert f"{uris[kind]}: {reason}" in result["log"], kind  # the task log says why

    # Each refused file fails its own mapped instance (download_file for the oversized
    # one, validate for the others), so the DAG run is failed and report does not run;
    # the mixed file's chain runs to the end regardless.
    assert result["state"] == "failed", context
    assert sorted(states["download_file"]) == ["failed"] + ["success"] * 4, context
    assert sorted(states["validate"]) == ["failed"] * 3 + ["success", "upstream_failed"], context
    assert states["load_to_sql"].count("success") == 1, context
    assert states["push_features"].count("success") == 1, context
    assert states["report"] == ["upstream_failed"], context

    # Refused generations are done: the next run skips them (one record each, no new
    # failures) and succeeds, so a bad file left in the bucket does not fail every run.
    try:
        again = run_extract(dag_runner, env)
    finally:
        dag_runner.call("parse", {"INGEST_MAX_FILE_BYTES": str(DEFAULT_MAX_FILE_BYTES)})
    assert again["state"] == "success", again["log"][-3000:]
    assert len(query(dsn, "SELECT id FROM ingestion_runs")) == len(uris)
