"""Hostile CSVs through extract_titanic_data in one dag.test() run: a Latin-1 file, binary
junk, an empty file and a file whose good rows sit between a ~10 MB line and a line with an
unterminated quote. Each broken file is refused with a recorded reason; the good rows load."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.airflow.conftest import DagRunner, upload
from tests.airflow.test_extract_dag import assert_store_matches, passengers, query, run_extract
from tests.ingest.conftest import HEADER
from tests.support.procs import Service
from titanic_common.ingest.validate import MAX_LINE_BYTES

pytestmark = pytest.mark.slow

HUGE_BYTES = 10 * 1024 * 1024


def task_states(airflow_home: Path, run_id: str) -> dict[str, list[str]]:
    """State of every instance of each task of one DAG run, in map-index order."""
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


def test_hostile_files_are_refused_with_reasons_and_the_good_rows_load(
    dag_runner: DagRunner, ingest_env: dict[str, str], feature_store: Service, airflow_home: Path
) -> None:
    good = [
        f'{8000 + i},1,2,"Sound, Mrs. Row{i}",female,{30 + i},0,0,T{i},10,,S' for i in (1, 2, 3)
    ]
    huge = '8100,0,3,"' + "x" * HUGE_BYTES + ', Mr. Long",male,40,0,0,T,8,,S'
    open_quote = '8101,0,3,"Open, Mr. Quote,male,40,0,0,T,8,,S'
    # Lines: 1 header, 2 good, 3 huge, 4 good, 5 open quote, 6 good.
    mixed = "\n".join([HEADER, good[0], huge, good[1], open_quote, good[2]]) + "\n"
    latin1 = f'{HEADER}\n8200,0,3,"Müller, Mr. Hans",male,30,0,0,T,8,,S\n'.encode("latin-1")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(range(256)) * 4
    uris = {
        "mixed": upload(ingest_env, "mixed.csv", mixed.encode()),
        "latin1": upload(ingest_env, "latin1.csv", latin1),
        "binary": upload(ingest_env, "picture.csv", png),
        "empty": upload(ingest_env, "empty.csv", b""),
    }

    result = run_extract(dag_runner, ingest_env)

    dsn = ingest_env["DATABASE_URL"]
    states = task_states(airflow_home, result["run_id"])
    context = f"{states}\n{result['log'][-4000:]}"
    # The good file is loaded and pushed regardless of its broken neighbours...
    rows = passengers(dsn)
    assert sorted(rows) == [8001, 8002, 8003], context
    assert_store_matches(feature_store.url, rows)
    # ...and every object has exactly one run recording what happened to it.
    runs = {r["source_uri"]: r for r in query(dsn, "SELECT * FROM ingestion_runs")}
    assert sorted(runs) == sorted(uris.values()), context
    assert len(query(dsn, "SELECT id FROM ingestion_runs")) == len(uris)

    ok = runs[uris["mixed"]]
    assert ok["status"] == "succeeded" and ok["error"] is None
    assert (ok["rows_total"], ok["rows_loaded"], ok["rows_rejected"]) == (5, 3, 2)
    rejects = query(
        dsn,
        "SELECT line_number, length(raw) AS raw_len, raw, reason FROM rejected_rows"
        " WHERE ingestion_run_id = %s ORDER BY line_number",
        ok["id"],
    )
    assert [(r["line_number"], r["reason"]) for r in rejects] == [
        (3, f"line longer than {MAX_LINE_BYTES} bytes"),
        (5, "malformed CSV: unterminated quote"),
    ]
    assert rejects[0]["raw"].startswith('8100,0,3,"xxx') and rejects[0]["raw_len"] < 1000
    assert rejects[1]["raw"] == open_quote

    refused = {
        "latin1": "not UTF-8 text: invalid byte on line 2",
        "binary": "binary content",
        "empty": "file is empty",
    }
    for kind, reason in refused.items():
        run = runs[uris[kind]]
        assert run["status"] == "failed", kind
        assert reason in run["error"], (kind, run["error"])
        assert run["rows_loaded"] is None or run["rows_loaded"] == 0, kind
        assert f"{uris[kind]}: {reason}" in result["log"], kind
    assert query(dsn, "SELECT count(*) AS n FROM rejected_rows")[0]["n"] == 2

    # A refused file fails its own mapped validate instance, so the DAG run is failed
    # (visible in the UI) while the good file's chain ran to the end.
    assert result["state"] == "failed", context
    assert sorted(states["validate"]) == ["failed", "failed", "failed", "success"], context
    assert states["push_features"].count("success") == 1, context
    print("STATES", states)
