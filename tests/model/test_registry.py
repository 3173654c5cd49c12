"""The registry on a real PostgreSQL: numbering, promotion, rollback, one production."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from model_service import registry
from model_service.routes.models import get_connection
from model_service.settings import Settings
from tests.conftest import ADMIN_TOKEN
from tests.support.procs import free_port
from titanic_common.errors import ConflictError, DependencyUnavailableError, NotFoundError


@pytest.fixture
def conn(registry_db: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(registry_db, autocommit=True) as connection:
        connection.execute("TRUNCATE model_versions")
        yield connection


def new_version(accuracy: float = 0.82) -> registry.NewVersion:
    return registry.NewVersion(
        algorithm="random_forest",
        params={"max_depth": 5},
        metrics={"holdout_accuracy": accuracy, "roc_auc": 0.88},
        feature_view="passenger_features",
        feature_view_version=1,
        training_rows=1047,
    )


def fake_publish(version: int) -> tuple[str, str]:
    return f"gs://bucket/models/v{version}", f"sha-{version}"


def register(conn: psycopg.Connection, n: int = 1) -> list[int]:
    return [registry.register_version(conn, new_version(), fake_publish) for _ in range(n)]


def statuses(conn: psycopg.Connection) -> dict[int, str]:
    return {v.version: v.status for v in registry.list_versions(conn)}


def test_versions_are_numbered_from_one_and_read_back(conn: psycopg.Connection) -> None:
    assert register(conn, 3) == [1, 2, 3]

    second = registry.get_version(conn, 2)
    assert second is not None
    assert second.status == "candidate"
    assert second.artifact_uri == "gs://bucket/models/v2"
    assert second.artifact_sha256 == "sha-2"
    assert second.metrics["holdout_accuracy"] == 0.82
    assert [v.version for v in registry.list_versions(conn)] == [3, 2, 1]
    assert registry.get_version(conn, 99) is None
    assert registry.get_production(conn) is None


def test_reads_accept_a_dsn(conn: psycopg.Connection, registry_db: str) -> None:
    register(conn, 1)
    registry.promote(conn, 1, "first")

    production = registry.get_production(registry_db)

    assert production is not None and production.version == 1


def test_a_failed_publish_registers_nothing(conn: psycopg.Connection) -> None:
    def broken(version: int) -> tuple[str, str]:
        raise OSError("bucket unreachable")

    with pytest.raises(OSError, match="bucket unreachable"):
        registry.register_version(conn, new_version(), broken)

    assert registry.list_versions(conn) == []
    assert register(conn, 1) == [1]


def test_promote_archives_the_previous_production(conn: psycopg.Connection) -> None:
    register(conn, 2)
    registry.promote(conn, 1, "first")

    promoted = registry.promote(conn, 2, "better")

    assert promoted.status == "production" and promoted.status_reason == "better"
    assert promoted.promoted_at is not None
    assert statuses(conn) == {1: "archived", 2: "production"}
    assert registry.get_version(conn, 1).status_reason == "replaced by v2"


def test_promote_unknown_version_is_not_found(conn: psycopg.Connection) -> None:
    with pytest.raises(NotFoundError, match="model version 7 does not exist"):
        registry.promote(conn, 7, "nope")


def test_rollback_restores_the_previous_production(conn: psycopg.Connection) -> None:
    register(conn, 3)
    for version in (1, 2, 3):
        registry.promote(conn, version, f"v{version}")

    restored = registry.rollback(conn, "v3 misbehaves")

    assert restored.version == 2 and restored.status_reason == "v3 misbehaves"
    assert statuses(conn) == {1: "archived", 2: "production", 3: "archived"}
    assert registry.get_version(conn, 3).status_reason == "rolled back to v2"


def test_rollback_never_picks_a_candidate_that_was_never_production(
    conn: psycopg.Connection,
) -> None:
    register(conn, 3)
    registry.promote(conn, 1, "v1")
    registry.promote(conn, 3, "v3")

    assert registry.rollback(conn).version == 1
    assert statuses(conn)[2] == "candidate"


def test_rollback_without_a_previous_production_is_a_conflict(conn: psycopg.Connection) -> None:
    register(conn, 2)
    registry.promote(conn, 1, "only one")

    with pytest.raises(ConflictError, match="no previous production"):
        registry.rollback(conn)
    assert statuses(conn) == {1: "production", 2: "candidate"}


def test_registry_routes_answer_503_when_postgres_is_down() -> None:
    down = Settings(
        ADMIN_TOKEN=ADMIN_TOKEN,
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/titanic",
    )

    with pytest.raises(DependencyUnavailableError, match="postgres is unavailable"):
        next(get_connection(down))
