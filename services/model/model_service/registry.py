"""The model registry in PostgreSQL (model_versions): register, read, promote, roll back.

Every write runs in one transaction under an advisory lock, so concurrent trainers get
distinct version numbers and the one-production index is never violated midway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field

from titanic_common.errors import ConflictError, NotFoundError
from titanic_common.logging import get_logger

log = get_logger(__name__)

REGISTRY_LOCK = 5_000_001  # pg_advisory_xact_lock key for registry writes
Status = Literal["candidate", "production", "archived"]
COLUMNS = (
    "version, created_at, algorithm, params, metrics, feature_view, feature_view_version, "
    "training_rows, ingestion_run_id, artifact_uri, artifact_sha256, status, status_reason, "
    "promoted_at"
)


class NewVersion(BaseModel):
    """What a training run knows before it gets a version number."""

    algorithm: str
    params: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    feature_view: str
    feature_view_version: int
    training_rows: int
    ingestion_run_id: int | None = None


class ModelVersion(NewVersion):
    """A row of model_versions."""

    version: int
    created_at: datetime
    artifact_uri: str
    artifact_sha256: str
    status: Status
    status_reason: str | None = None
    promoted_at: datetime | None = None


# Called with the new version number inside the registering transaction; writes the
# artifacts and returns (artifact_uri, artifact_sha256).
Publisher = Callable[[int], tuple[str, str]]


Target = psycopg.Connection | str


@contextmanager
def _connected(target: Target) -> Iterator[psycopg.Connection]:
    """Use a given connection, or open (and close) a short-lived one from a DSN."""
    if isinstance(target, psycopg.Connection):
        yield target
        return
    with psycopg.connect(target, connect_timeout=2, autocommit=True) as conn:
        yield conn


def _lock(conn: psycopg.Connection) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (REGISTRY_LOCK,))


def _fetch(target: Target, where: str, params: tuple = ()) -> list[ModelVersion]:
    with _connected(target) as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(f"SELECT {COLUMNS} FROM model_versions {where}", params)
        return [ModelVersion.model_validate(row) for row in cur.fetchall()]


def register_version(conn: psycopg.Connection, new: NewVersion, publish: Publisher) -> int:
    """Insert a candidate with the next version number; `publish` writes its artifacts."""
    with conn.transaction():
        _lock(conn)
        (version,) = conn.execute(
            "SELECT coalesce(max(version), 0) + 1 FROM model_versions"
        ).fetchone()
        artifact_uri, sha256 = publish(version)
        conn.execute(
            "INSERT INTO model_versions (version, algorithm, params, metrics, feature_view,"
            " feature_view_version, training_rows, ingestion_run_id, artifact_uri,"
            " artifact_sha256, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " 'candidate')",
            (
                version,
                new.algorithm,
                Jsonb(new.params),
                Jsonb(new.metrics),
                new.feature_view,
                new.feature_view_version,
                new.training_rows,
                new.ingestion_run_id,
                artifact_uri,
                sha256,
            ),
        )
    log.info("model_registered", version=version, artifact_uri=artifact_uri)
    return version


def get_version(conn: Target, version: int) -> ModelVersion | None:
    """One version, or None."""
    rows = _fetch(conn, "WHERE version = %s", (version,))
    return rows[0] if rows else None


def list_versions(conn: Target, limit: int = 100) -> list[ModelVersion]:
    """Versions, newest first."""
    return _fetch(conn, "ORDER BY version DESC LIMIT %s", (limit,))


def get_production(conn: Target) -> ModelVersion | None:
    """The production version, or None; `conn` may be a connection or a DSN."""
    rows = _fetch(conn, "WHERE status = 'production'")
    return rows[0] if rows else None


def _set_status(
    conn: psycopg.Connection, version: int, status: Status, reason: str, promoted: bool = False
) -> None:
    conn.execute(
        "UPDATE model_versions SET status = %s, status_reason = %s,"
        " promoted_at = CASE WHEN %s THEN now() ELSE promoted_at END WHERE version = %s",
        (status, reason, promoted, version),
    )


def _make_production(conn: psycopg.Connection, version: int, reason: str) -> ModelVersion:
    current = get_production(conn)
    if current is not None and current.version != version:
        # Archive first: the unique partial index allows one production row at a time.
        _set_status(conn, current.version, "archived", f"replaced by v{version}")
    _set_status(conn, version, "production", reason, promoted=True)
    promoted = get_version(conn, version)
    assert promoted is not None
    return promoted


def promote(conn: psycopg.Connection, version: int, reason: str) -> ModelVersion:
    """Make `version` production and archive the previous one, in one transaction."""
    with conn.transaction():
        _lock(conn)
        if get_version(conn, version) is None:
            raise NotFoundError(f"model version {version} does not exist")
        promoted = _make_production(conn, version, reason)
    log.info("model_promoted", version=version, reason=reason)
    return promoted


def rollback(conn: psycopg.Connection, reason: str = "rollback") -> ModelVersion:
    """Restore the most recently archived former production version."""
    with conn.transaction():
        _lock(conn)
        current = get_production(conn)
        # Production periods never overlap, so the latest promoted_at among archived
        # versions is the one archived most recently.
        previous = _fetch(
            conn,
            "WHERE status = 'archived' AND promoted_at IS NOT NULL"
            " ORDER BY promoted_at DESC, version DESC LIMIT 1",
        )
        if not previous:
            raise ConflictError("no previous production version to roll back to")
        target = previous[0].version
        if current is not None:
            _set_status(conn, current.version, "archived", f"rolled back to v{target}")
        restored = _make_production(conn, target, reason)
    log.info("model_rolled_back", version=target, previous=current and current.version)
    return restored


def record_reason(conn: psycopg.Connection, version: int, reason: str) -> None:
    """Record why a version has its status (e.g. why a candidate was not promoted)."""
    with conn.transaction():
        conn.execute(
            "UPDATE model_versions SET status_reason = %s WHERE version = %s", (reason, version)
        )
