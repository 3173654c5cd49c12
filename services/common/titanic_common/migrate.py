"""Apply infra/postgres/migrations/*.sql in order, each once, under an advisory lock.

Applied files are recorded in schema_migrations with their checksum; an applied file
whose content changed afterwards stops the run (edit history with a new file instead).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg

# Any constant works; every migrator must use the same one.
ADVISORY_LOCK_ID = 7_170_412
# MIGRATIONS_DIR lets container images, where the package is installed, point at their copy.
DEFAULT_DIR = Path(
    os.environ.get(
        "MIGRATIONS_DIR",
        Path(__file__).resolve().parents[2].parent / "infra" / "postgres" / "migrations",
    )
)


@dataclass(frozen=True)
class Migration:
    version: str
    path: Path
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(RuntimeError):
    pass


def discover(directory: Path) -> list[Migration]:
    """Migrations sorted by file name (0001_x.sql, 0002_y.sql, ...)."""
    files = sorted(directory.glob("*.sql"))
    if not files:
        raise MigrationError(f"no migrations found in {directory}")
    return [Migration(p.stem, p, p.read_text()) for p in files]


def _ensure_table(conn: psycopg.Connection) -> None:
    conn.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
               version text PRIMARY KEY,
               checksum text NOT NULL,
               applied_at timestamptz NOT NULL DEFAULT now())"""
    )


def apply_migrations(dsn: str, directory: Path = DEFAULT_DIR) -> list[str]:
    """Apply pending migrations; returns the versions applied by this call."""
    migrations = discover(directory)
    applied_now: list[str] = []
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_ID,))
        try:
            _ensure_table(conn)
            done = dict(conn.execute("SELECT version, checksum FROM schema_migrations").fetchall())
            for migration in migrations:
                if migration.version in done:
                    if done[migration.version] != migration.checksum:
                        raise MigrationError(f"{migration.path.name} changed after it was applied")
                    continue
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, checksum) VALUES (%s, %s)",
                        (migration.version, migration.checksum),
                    )
                applied_now.append(migration.version)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_ID,))
    return applied_now


def ensure_database(dsn: str) -> bool:
    """Create the database named in `dsn` if it does not exist; True when created."""
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    name = info.get("dbname")
    if not name:
        return False
    admin = psycopg.conninfo.make_conninfo(dsn, dbname="postgres")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    return True


def main(argv: list[str] | None = None) -> int:
    """CLI: titanic-migrate [--dsn URL] [--dir PATH]; DATABASE_URL is the default DSN."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    if not args.dsn:
        print("configuration error: DATABASE_URL is not set", file=sys.stderr)
        return 2
    try:
        ensure_database(args.dsn)
        applied = apply_migrations(args.dsn, args.dir)
    except (psycopg.Error, MigrationError) as exc:
        print(f"migration failed: {exc}", file=sys.stderr)
        return 1
    print(f"migrations applied: {', '.join(applied) if applied else 'none (up to date)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
