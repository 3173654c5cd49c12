"""ingestion_runs bookkeeping: which object generations are done, and run outcomes."""

from __future__ import annotations

import psycopg

from titanic_common.logging import get_logger

log = get_logger(__name__)


def done_generations(dsn: str, uris: list[str]) -> set[tuple[str, str]]:
    """(source_uri, source_generation) pairs among `uris` that are done: loaded, or refused
    for breaking the contract (retrying cannot change a generation's bytes)."""
    if not uris:
        return set()
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT source_uri, source_generation FROM ingestion_runs"
            " WHERE status IN ('succeeded', 'refused') AND source_uri = ANY(%s)",
            (uris,),
        ).fetchall()
    return {(uri, gen) for uri, gen in rows}


def record_refused_run(
    dsn: str, *, dag_run_id: str | None, uri: str, generation: str, checksum: str | None, error: str
) -> int:
    """A refused file, with the reason, next to the loads; once per object generation."""
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        run_id = conn.execute(
            "INSERT INTO ingestion_runs (dag_run_id, source_uri, source_generation,"
            " source_checksum, status, error, finished_at)"
            " VALUES (%s, %s, %s, %s, 'refused', %s, now())"
            " ON CONFLICT (source_uri, source_generation) WHERE status = 'refused'"
            " DO UPDATE SET error = EXCLUDED.error RETURNING id",
            (dag_run_id, uri, generation, checksum, error),
        ).fetchone()[0]
    log.warning("ingestion_run_refused", run_id=run_id, uri=uri, error=error)
    return run_id


def finish_run(dsn: str, run_id: int, *, error: str | None = None) -> None:
    """Mark a run succeeded (no error) or failed (with the error) and stamp finished_at."""
    status = "failed" if error else "succeeded"
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        conn.execute(
            "UPDATE ingestion_runs SET status = %s, error = %s, finished_at = now() WHERE id = %s",
            (status, error, run_id),
        )
    log.info("ingestion_run_finished", run_id=run_id, status=status)


def succeeded_totals(dsn: str, dag_run_id: str) -> tuple[int, int, int]:
    """(files, rows loaded, rows rejected) of one DAG run's succeeded ingestions."""
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        files, loaded, rejected = conn.execute(
            "SELECT count(*), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0)"
            " FROM ingestion_runs WHERE dag_run_id = %s AND status = 'succeeded'",
            (dag_run_id,),
        ).fetchone()
    return int(files), int(loaded), int(rejected)
