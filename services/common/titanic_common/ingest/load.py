"""Load validated rows into PostgreSQL in one transaction.

When no stored passenger has a PassengerId in the file's range (a new file, the common
case), the rows are COPied straight into passengers: nothing can conflict, so the result
is what an upsert would give, at the cost of a plain COPY. Otherwise they are COPied
into a staging table and upserted; only rows whose values changed are updated, so
loading the same data twice leaves passengers (including updated_at and
ingestion_run_id) exactly as it was. Writers are locked out meanwhile; readers are not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import psycopg
from pydantic import BaseModel

from titanic_common.ingest.contract import FIELDS
from titanic_common.logging import get_logger

log = get_logger(__name__)

COPY_CHUNK_BYTES = 1024 * 1024
_COLS = ", ".join(FIELDS)
_DATA_COLS = [f for f in FIELDS if f != "passenger_id"]

STAGING_DDL = """
CREATE TEMP TABLE passengers_staging (
    passenger_id integer, survived smallint, pclass smallint, name text,
    sex text, age double precision, sibsp smallint, parch smallint, ticket text,
    fare double precision, cabin text, embarked char(1)
) ON COMMIT DROP
"""

UPSERT = f"""
INSERT INTO passengers AS p ({_COLS}, ingestion_run_id, updated_at)
SELECT {_COLS}, %(run_id)s, now() FROM passengers_staging
ON CONFLICT (passenger_id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in _DATA_COLS)},
    ingestion_run_id = EXCLUDED.ingestion_run_id, updated_at = now()
WHERE ({", ".join(f"p.{c}" for c in _DATA_COLS)})
    IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in _DATA_COLS)})
"""


class LoadRequest(BaseModel):
    """What to load and where it came from (lineage for ingestion_runs)."""

    dag_run_id: str | None
    source_uri: str
    source_generation: str
    source_checksum: str
    valid_path: str
    rejects_path: str
    rows_total: int
    rows_valid: int
    rows_rejected: int
    # The range of the valid rows' PassengerIds; unknown means always upsert.
    passenger_id_min: int | None = None
    passenger_id_max: int | None = None


class LoadResult(BaseModel):
    """The ingestion run created and what changed in passengers."""

    run_id: int
    rows_loaded: int
    rows_rejected: int
    rows_changed: int
    method: Literal["insert", "upsert"]  # COPY straight in, or staging + upsert


def _copy_file(cur: psycopg.Cursor, statement: str, path: Path, suffix: bytes = b"") -> int:
    """COPY the file's rows, each with `suffix` appended (extra trailing CSV cells);
    the number of rows."""
    # Validated files hold no newline inside a cell; the last row may lack its own.
    last = b"\n"
    with cur.copy(statement) as copy, path.open("rb") as src:
        while chunk := src.read(COPY_CHUNK_BYTES):
            copy.write(chunk.replace(b"\n", suffix + b"\n") if suffix else chunk)
            last = chunk[-1:]
        if suffix and last != b"\n":
            copy.write(suffix + b"\n")
    return cur.rowcount


def _range_is_free(cur: psycopg.Cursor, req: LoadRequest) -> bool:
    """No stored passenger has a PassengerId within the file's range."""
    if req.passenger_id_min is None or req.passenger_id_max is None:
        return False
    return not cur.execute(
        "SELECT EXISTS (SELECT 1 FROM passengers WHERE passenger_id BETWEEN %s AND %s)",
        (req.passenger_id_min, req.passenger_id_max),
    ).fetchone()[0]


def _insert_new(cur: psycopg.Cursor, req: LoadRequest, run_id: int) -> int:
    statement = f"COPY passengers ({_COLS}, ingestion_run_id) FROM STDIN (FORMAT csv, HEADER true)"
    return _copy_file(cur, statement, Path(req.valid_path), suffix=f",{run_id}".encode())


def _upsert(cur: psycopg.Cursor, req: LoadRequest, run_id: int) -> int:
    # Staging stays in memory instead of spilling (must precede the first temp table).
    cur.execute("SET temp_buffers = '256MB'")
    cur.execute(STAGING_DDL)
    statement = f"COPY passengers_staging ({_COLS}) FROM STDIN (FORMAT csv, HEADER true)"
    _copy_file(cur, statement, Path(req.valid_path))
    cur.execute(UPSERT, {"run_id": run_id})
    return cur.rowcount


def _run_of_earlier_try(cur: psycopg.Cursor, req: LoadRequest) -> int | None:
    """The run a previous try of this DAG run's load created and committed, if any.

    A try can commit and still fail (the connection dropped before COMMIT was answered,
    e.g. PostgreSQL restarting); its retry takes that run over instead of leaving it
    'running' forever, and drops its rejects so they are stored once.
    """
    if req.dag_run_id is None:
        return None
    row = cur.execute(
        "SELECT id FROM ingestion_runs WHERE dag_run_id = %s AND source_uri = %s"
        " AND source_generation = %s AND status = 'running' ORDER BY id DESC LIMIT 1"
        " FOR UPDATE",
        (req.dag_run_id, req.source_uri, req.source_generation),
    ).fetchone()
    if row is None:
        return None
    cur.execute("DELETE FROM rejected_rows WHERE ingestion_run_id = %s", row)
    log.warning("ingestion_run_resumed", run_id=row[0], uri=req.source_uri)
    return row[0]


def load_validated(dsn: str, req: LoadRequest) -> LoadResult:
    """Create the run (status running), upsert the valid rows, store the rejects."""
    with psycopg.connect(dsn, connect_timeout=10) as conn, conn.cursor() as cur:
        run_id = _run_of_earlier_try(cur, req)
        if run_id is None:
            run_id = cur.execute(
                "INSERT INTO ingestion_runs (dag_run_id, source_uri, source_generation,"
                " source_checksum, rows_total, rows_loaded, rows_rejected, status)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, 'running') RETURNING id",
                (
                    req.dag_run_id,
                    req.source_uri,
                    req.source_generation,
                    req.source_checksum,
                    req.rows_total,
                    req.rows_valid,
                    req.rows_rejected,
                ),
            ).fetchone()[0]
        # Concurrent writers would make the range check stale; readers carry on.
        cur.execute("LOCK TABLE passengers IN SHARE ROW EXCLUSIVE MODE")
        method = "insert" if _range_is_free(cur, req) else "upsert"
        insert = _insert_new if method == "insert" else _upsert
        changed = insert(cur, req, run_id)
        cur.execute(
            "CREATE TEMP TABLE rejects_staging (line_number integer, raw text, reason text)"
            " ON COMMIT DROP"
        )
        _copy_file(cur, "COPY rejects_staging FROM STDIN (FORMAT csv)", Path(req.rejects_path))
        cur.execute(
            "INSERT INTO rejected_rows (ingestion_run_id, line_number, raw, reason)"
            " SELECT %s, line_number, raw, reason FROM rejects_staging ORDER BY line_number",
            (run_id,),
        )
    result = LoadResult(
        run_id=run_id,
        rows_loaded=req.rows_valid,
        rows_rejected=req.rows_rejected,
        rows_changed=changed,
        method=method,
    )
    log.info("rows_loaded", uri=req.source_uri, **result.model_dump())
    return result
