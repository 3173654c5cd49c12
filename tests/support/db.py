"""A throwaway PostgreSQL database per test session, migrated like production."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from titanic_common.migrate import apply_migrations

ADMIN_DSN = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def create_database(prefix: str = "titanic_test") -> str:
    """Create an empty database with a unique name; returns its DSN."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(urlsplit(ADMIN_DSN)._replace(path=f"/{name}"))


def create_migrated_database(prefix: str = "titanic_test") -> str:
    dsn = create_database(prefix)
    apply_migrations(dsn)
    return dsn


def drop_database(dsn: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(dsn)["dbname"]
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
