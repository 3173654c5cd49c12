"""drift_events: one row per check; newest first, paged by id."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb
from pydantic import BaseModel

CONNECT_TIMEOUT_SECONDS = 2


class DriftEvent(BaseModel):
    id: int
    checked_at: datetime
    model_version: int | None
    window_size: int
    detector: str
    p_values: dict[str, float]
    threshold: float
    is_drift: bool


class NewDriftEvent(BaseModel):
    model_version: int | None
    window_size: int
    detector: str
    p_values: dict[str, float]
    threshold: float
    is_drift: bool


_COLUMNS = "id, checked_at, model_version, window_size, detector, p_values, threshold, is_drift"


async def _connect(dsn: str) -> psycopg.AsyncConnection:
    return await psycopg.AsyncConnection.connect(
        dsn, connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=True
    )


async def insert_event(dsn: str, event: NewDriftEvent) -> DriftEvent:
    """Record one check; returns the stored row."""
    async with await _connect(dsn) as conn, conn.cursor(row_factory=class_row(DriftEvent)) as cur:
        await cur.execute(
            f"""INSERT INTO drift_events
                    (model_version, window_size, detector, p_values, threshold, is_drift)
                VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}""",
            (
                event.model_version,
                event.window_size,
                event.detector,
                Jsonb(event.p_values),
                event.threshold,
                event.is_drift,
            ),
        )
        row = await cur.fetchone()
    assert row is not None  # RETURNING always yields the inserted row
    return row


async def list_events(dsn: str, limit: int, before_id: int | None = None) -> list[DriftEvent]:
    """Newest first; pass the last id of a page as `before_id` for the next page."""
    async with await _connect(dsn) as conn, conn.cursor(row_factory=class_row(DriftEvent)) as cur:
        await cur.execute(
            f"""SELECT {_COLUMNS} FROM drift_events
                WHERE %(before)s::bigint IS NULL OR id < %(before)s::bigint
                ORDER BY id DESC LIMIT %(limit)s""",
            {"before": before_id, "limit": limit},
        )
        return await cur.fetchall()


async def latest_event(dsn: str) -> DriftEvent | None:
    """The most recent check, if any."""
    events = await list_events(dsn, limit=1)
    return events[0] if events else None
