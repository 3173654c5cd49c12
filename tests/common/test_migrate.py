"""Migrations: each file applied once, in order, under an advisory lock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from tests.support.db import create_database, drop_database
from titanic_common.migrate import DEFAULT_DIR, MigrationError, apply_migrations, main

TABLES = {
    "passengers",
    "ingestion_runs",
    "rejected_rows",
    "model_versions",
    "drift_events",
    "prediction_log",
    "schema_migrations",
}


@pytest.fixture
def empty_db():
    dsn = create_database("titanic_migrate")
    yield dsn
    drop_database(dsn)


def _schema(dsn: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            """SELECT table_name, column_name, data_type FROM information_schema.columns
               WHERE table_schema = 'public' ORDER BY 1, 2"""
        ).fetchall()


def test_creates_every_table_and_second_run_changes_nothing(empty_db: str) -> None:
    first = apply_migrations(empty_db)
    assert first == sorted(p.stem for p in DEFAULT_DIR.glob("*.sql"))
    schema = _schema(empty_db)
    assert {row[0] for row in schema} >= TABLES
    assert apply_migrations(empty_db) == []
    assert _schema(empty_db) == schema


def test_concurrent_migrators_apply_once(empty_db: str) -> None:
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: apply_migrations(empty_db), range(4)))
    assert sum(len(r) for r in results) == len(list(DEFAULT_DIR.glob("*.sql")))


def test_edited_migration_is_refused(empty_db: str, tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE a (id int);")
    apply_migrations(empty_db, tmp_path)
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE a (id bigint);")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        apply_migrations(empty_db, tmp_path)


def test_cli_creates_database_and_reports(capsys: pytest.CaptureFixture) -> None:
    dsn = create_database("titanic_cli")
    drop_database(dsn)  # the CLI must create it
    try:
        assert main(["--dsn", dsn]) == 0
        assert "0001_core_tables" in capsys.readouterr().out
        assert main(["--dsn", dsn]) == 0
        assert "up to date" in capsys.readouterr().out
    finally:
        drop_database(dsn)
