"""Loading validated rows into real PostgreSQL: upsert, rejects, lineage, idempotency."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.ingest.conftest import GOOD_ROWS, HEADER, write_csv
from titanic_common.ingest import runs
from titanic_common.ingest.load import LoadRequest, load_validated
from titanic_common.ingest.validate import validate_file

# The PassengerId range of a validation summary.
RANGE = {"passenger_id_min", "passenger_id_max"}


def load(
    dsn: str,
    src: Path,
    generation: str = "1",
    uri: str = "gs://b/incoming/f.csv",
    known_range: bool = True,
):
    """Validate and load `src`; without `known_range` the load cannot take the insert
    path and always upserts."""
    valid, rejects = src.with_suffix(".valid"), src.with_suffix(".rejects")
    summary = validate_file(src, valid, rejects)
    req = LoadRequest(
        dag_run_id="test",
        source_uri=uri,
        source_generation=generation,
        source_checksum="sha256:x",
        valid_path=str(valid),
        rejects_path=str(rejects),
        **summary.model_dump(exclude=None if known_range else RANGE),
    )
    return load_validated(dsn, req)


# Both load paths (COPY straight into passengers when the file's PassengerId range is
# free, staging + upsert otherwise) must give the same tables.
PATHS = pytest.mark.parametrize("known_range", [True, False], ids=["insert", "upsert"])


def passengers(dsn: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT * FROM passengers ORDER BY passenger_id").fetchall()


@PATHS
def test_valid_rows_load_and_rejects_are_stored(
    ingest_db: str, mixed_csv: Path, known_range: bool
) -> None:
    result = load(ingest_db, mixed_csv, known_range=known_range)
    assert result.method == ("insert" if known_range else "upsert")
    rows = passengers(ingest_db)
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    braund = rows[0]
    assert braund[1:12] == (
        0,
        3,
        "Braund, Mr. Owen Harris",
        "male",
        22.0,
        1,
        0,
        "A/5 21171",
        7.25,
        None,
        "S",
    )
    assert rows[3][1] is None and rows[3][5] is None  # unlabeled, age unknown
    assert {r[12] for r in rows} == {result.run_id}  # lineage on every row
    with psycopg.connect(ingest_db) as conn:
        run = conn.execute(
            "SELECT rows_total, rows_loaded, rows_rejected, status, source_uri, source_checksum"
            " FROM ingestion_runs WHERE id = %s",
            (result.run_id,),
        ).fetchone()
        rejected = conn.execute(
            "SELECT count(*) FROM rejected_rows WHERE ingestion_run_id = %s", (result.run_id,)
        ).fetchone()[0]
    assert run[0] == run[1] + run[2] and run[1] == 4 and run[2] == rejected > 0
    assert run[3:] == ("running", "gs://b/incoming/f.csv", "sha256:x")


@PATHS
def test_loading_the_same_rows_twice_changes_nothing(
    ingest_db: str, good_csv: Path, known_range: bool
) -> None:
    first = load(ingest_db, good_csv, generation="1", known_range=known_range)
    before = passengers(ingest_db)
    second = load(ingest_db, good_csv, generation="2")
    assert passengers(ingest_db) == before  # updated_at and ingestion_run_id untouched
    assert (first.rows_changed, second.rows_changed) == (4, 0)
    assert second.method == "upsert"  # the range is taken now


@PATHS
def test_changed_rows_are_updated_and_new_rows_added(
    ingest_db: str, good_csv: Path, tmp_path: Path, known_range: bool
) -> None:
    load(ingest_db, good_csv, known_range=known_range)
    before = {r[0]: r for r in passengers(ingest_db)}
    changed = GOOD_ROWS[3].replace("4,,3,", "4,1,3,")  # Palsson's label arrives
    new = '5,0,3,"Allen, Mr. William Henry",male,35,0,0,373450,8.05,,S'
    result = load(ingest_db, write_csv(tmp_path / "g.csv", HEADER, [changed, new]), "2")
    after = {r[0]: r for r in passengers(ingest_db)}
    assert result.rows_changed == 2
    assert after[4][1] == 1 and after[4][12] == result.run_id
    assert after[5][3] == "Allen, Mr. William Henry"
    assert after[1] == before[1]


def test_loaded_and_refused_generations_are_done_failed_ones_are_not(
    ingest_db: str, good_csv: Path
) -> None:
    result = load(ingest_db, good_csv, generation="7")
    uri = "gs://b/incoming/f.csv"
    assert runs.done_generations(ingest_db, [uri]) == set()  # running is not done
    runs.finish_run(ingest_db, result.run_id)
    assert runs.done_generations(ingest_db, [uri]) == {(uri, "7")}
    other = load(ingest_db, good_csv, generation="9")
    runs.finish_run(ingest_db, other.run_id, error="push_features: store down")
    assert runs.done_generations(ingest_db, [uri]) == {(uri, "7")}  # failed: try again
    refused = runs.record_refused_run(
        ingest_db, dag_run_id="r", uri=uri, generation="8", checksum=None, error="bad header"
    )
    assert refused > result.run_id
    assert runs.done_generations(ingest_db, [uri]) == {(uri, "7"), (uri, "8")}
    again = runs.record_refused_run(
        ingest_db, dag_run_id="r2", uri=uri, generation="8", checksum=None, error="bad header"
    )
    assert again == refused  # one refusal per generation


def test_a_file_beside_the_stored_range_is_inserted_and_runs_stay(
    ingest_db: str, good_csv: Path, tmp_path: Path
) -> None:
    first = load(ingest_db, good_csv)
    later = '900,1,2,"Later, Mrs. A",female,30,0,0,T9,13,,S'
    second = load(ingest_db, write_csv(tmp_path / "g.csv", HEADER, [later]), "2")
    rows = {r[0]: r for r in passengers(ingest_db)}
    assert (second.rows_changed, second.method) == (1, "insert")
    assert (rows[1][12], rows[900][12]) == (first.run_id, second.run_id)
    with psycopg.connect(ingest_db) as conn, pytest.raises(psycopg.errors.RaiseException):
        conn.execute("DELETE FROM ingestion_runs WHERE id = %s", (first.run_id,))


@PATHS
def test_a_last_row_without_a_newline_loads_with_its_run(
    ingest_db: str, tmp_path: Path, known_range: bool
) -> None:
    src = tmp_path / "f.csv"
    src.write_text("\n".join([HEADER, *GOOD_ROWS]), encoding="utf-8")  # no final newline
    result = load(ingest_db, src, known_range=known_range)
    rows = passengers(ingest_db)
    assert len(rows) == 4 and {r[12] for r in rows} == {result.run_id}


def test_a_header_with_crlf_over_an_lf_body_loads(ingest_db: str, tmp_path: Path) -> None:
    src = tmp_path / "f.csv"
    src.write_bytes((HEADER + "\r\n" + "\n".join(GOOD_ROWS) + "\n").encode())
    result = load(ingest_db, src)
    assert (result.rows_loaded, result.method) == (4, "insert")
    assert [r[0] for r in passengers(ingest_db)] == [1, 2, 3, 4]
