"""Off-path delivery of every prediction: to the drift service and to prediction_log.

Handlers call `PredictionFeed.submit`, which never waits: each destination has its own
bounded queue and background worker, so a slow or dead drift service never delays a
prediction nor the prediction log, and vice versa. Workers send in batches, retry
failures that certainly left nothing delivered (connection refused, 5xx, 408, 429) with
capped exponential backoff, count what they must drop (queue full; rejected by the
receiver; no answer in time, where a resend could duplicate; not delivered by the end of
shutdown) and flush at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx
import orjson
import psycopg
from prometheus_client import Counter

from model_service.metrics import (
    DRIFT_OBSERVATIONS_DROPPED,
    DRIFT_OBSERVATIONS_SENT,
    PREDICTION_LOG_DROPPED,
    PREDICTION_LOG_WRITTEN,
)
from titanic_common.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class PredictionRecord:
    """One answered prediction, as the drift service and prediction_log need it."""

    prediction_id: uuid.UUID
    created_at: datetime
    model_version: int
    features: dict[str, Any]
    probability: float
    source: str


@dataclass(frozen=True)
class FeedConfig:
    queue_size: int = 10_000
    batch_size: int = 500
    flush_seconds: float = 0.5
    retry_max_seconds: float = 30.0
    shutdown_seconds: float = 5.0


class RejectedError(Exception):
    """The batch must not be sent again: refused, or possibly received already."""

    def __init__(self, message: str, reason: str = "rejected"):
        super().__init__(message)
        self.reason = reason


class Sink(Protocol):
    name: str

    async def deliver(self, batch: list[PredictionRecord]) -> None:
        """Deliver records, removing each delivered one from `batch`."""
        ...

    async def aclose(self) -> None: ...


class DriftSink:
    """POST /observations on the drift service, one request per model version."""

    name = "drift"

    def __init__(self, client: httpx.AsyncClient):
        self._client = client

    async def deliver(self, batch: list[PredictionRecord]) -> None:
        """Deliver records, removing each delivered one from `batch`."""
        for version in sorted({r.model_version for r in batch}):
            records = [r for r in batch if r.model_version == version]
            await self._post(version, [r.features for r in records])
            taken = {id(r) for r in records}
            batch[:] = [r for r in batch if id(r) not in taken]

    async def _post(self, version: int, observations: list[dict[str, Any]]) -> None:
        body = {"observations": observations, "model_version": version}
        try:
            response = await self._client.post("/observations", json=body)
        except (httpx.ReadTimeout, httpx.WriteTimeout) as exc:
            # The drift service may have taken the batch already; sending it again could
            # count observations twice in its window, so it is dropped and counted.
            raise RejectedError(f"no answer in time ({type(exc).__name__})", "timeout") from exc
        if response.status_code in (408, 429) or response.status_code >= 500:
            response.raise_for_status()
        if response.is_error:
            raise RejectedError(f"drift service answered {response.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()


class PredictionLogSink:
    """COPY into prediction_log over one connection, reopened after a failure."""

    name = "prediction_log"
    _COPY = (
        "COPY prediction_log (id, created_at, model_version, features, probability, source)"
        " FROM STDIN"
    )

    def __init__(self, dsn: str, connect_timeout: int = 2):
        self._dsn = dsn
        self._connect_timeout = connect_timeout
        self._conn: psycopg.AsyncConnection | None = None

    async def deliver(self, batch: list[PredictionRecord]) -> None:
        """Write records in one COPY, then empty `batch`."""
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(
                self._dsn, connect_timeout=self._connect_timeout, autocommit=True
            )
        try:
            async with self._conn.cursor() as cur, cur.copy(self._COPY) as copy:
                await copy.write("".join(map(_copy_line, batch)))
        except (psycopg.DataError, psycopg.IntegrityError) as exc:
            raise RejectedError(str(exc).splitlines()[0]) from exc
        except psycopg.Error:
            await self.aclose()
            raise
        batch.clear()

    async def aclose(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


def _copy_line(r: PredictionRecord) -> str:
    """One row of COPY's text format. Formatted here in one pass: psycopg's write_row
    adapts value by value, which cost about as much per record as the ONNX run."""
    version = "\\N" if r.model_version is None else str(r.model_version)
    cells = (
        str(r.prediction_id),
        r.created_at.isoformat(),
        version,
        _copy_text(orjson.dumps(r.features).decode()),
        repr(float(r.probability)),
        _copy_text(r.source),
    )
    return "\t".join(cells) + "\n"


def _copy_text(value: str) -> str:
    """Escape a text cell for COPY's text format (backslash, tab, newline, CR)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t")
        value = value.replace("\n", "\\n").replace("\r", "\\r")
    return value


@dataclass
class SinkWorker:
    """A bounded queue in front of one sink, drained in batches by one task."""

    sink: Sink
    config: FeedConfig
    dropped: Counter
    delivered: Counter
    queue: asyncio.Queue[PredictionRecord] = field(init=False)
    closing: asyncio.Event = field(init=False, default_factory=asyncio.Event)
    batch: list[PredictionRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.config.queue_size)
        self._queue_full = self.dropped.labels(reason="queue_full")

    def offer(self, record: PredictionRecord) -> None:
        """Queue without waiting; a full queue drops and counts the record."""
        # Checked, not caught: while a sink is down every prediction lands here.
        if self.queue.full():
            self._queue_full.inc()
        else:
            self.queue.put_nowait(record)

    async def run(self) -> None:
        """Deliver batches until closing and the queue is empty."""
        while not (self.closing.is_set() and self.queue.empty()):
            await self._collect_batch()
            if self.batch:
                await self._deliver(self.batch)
                self.batch = []

    async def _collect_batch(self) -> None:
        # Records live in self.batch from the moment they leave the queue, so shutdown
        # can count them if they never reach the sink. A batch that is not full waits
        # flush_seconds for more, whether the queue was empty or not: otherwise a steady
        # stream keeps the worker sending one or two records per COPY or POST, costing
        # more CPU than the predictions themselves. The worker wakes twice per batch.
        if self.queue.empty():
            if self.closing.is_set():
                return
            try:
                first = await asyncio.wait_for(self.queue.get(), self.config.flush_seconds)
            except TimeoutError:
                return
            self.batch.append(first)
        self._top_up(self.batch)
        if len(self.batch) < self.config.batch_size and not self.closing.is_set():
            await self._linger()
            self._top_up(self.batch)

    async def _linger(self) -> None:
        """Let records gather for flush_seconds; cut short by shutdown."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closing.wait(), self.config.flush_seconds)

    async def _deliver(self, batch: list[PredictionRecord]) -> None:
        """Send until every record is delivered or dropped; the sink removes from `batch`
        what it delivered, so a retry never resends those."""
        delay = min(0.2, self.config.retry_max_seconds)
        while batch:
            size = len(batch)
            failure: Exception | None = None
            try:
                await self.sink.deliver(batch)
            except Exception as exc:
                failure = exc
            self.delivered.inc(size - len(batch))
            if failure is None:
                batch.clear()
            elif isinstance(failure, RejectedError):
                self.dropped.labels(reason=failure.reason).inc(len(batch))
                log.error(
                    "feed_batch_dropped",
                    sink=self.sink.name,
                    rows=len(batch),
                    reason=failure.reason,
                    error=str(failure)[:300],
                )
                batch.clear()
            else:
                log.warning(
                    "feed_delivery_retry",
                    sink=self.sink.name,
                    rows=len(batch),
                    retry_in_seconds=delay,
                    error=type(failure).__name__,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.config.retry_max_seconds)
                self._top_up(batch)

    def _top_up(self, batch: list[PredictionRecord]) -> None:
        # After an outage the backlog goes out in full batches, not one held batch at a time.
        while len(batch) < self.config.batch_size and not self.queue.empty():
            batch.append(self.queue.get_nowait())

    def count_undelivered(self) -> int:
        """At the end of shutdown: count what is still queued or being sent as dropped."""
        lost = len(self.batch) + self.queue.qsize()
        if lost:
            self.dropped.labels(reason="shutdown").inc(lost)
            log.error("feed_undelivered_at_shutdown", sink=self.sink.name, rows=lost)
        return lost


class PredictionFeed:
    """Fan-out of prediction records to every sink's worker."""

    def __init__(self, drift_client: httpx.AsyncClient, dsn: str, config: FeedConfig):
        self.config = config
        self.workers = [
            SinkWorker(
                DriftSink(drift_client), config, DRIFT_OBSERVATIONS_DROPPED, DRIFT_OBSERVATIONS_SENT
            ),
            SinkWorker(
                PredictionLogSink(dsn), config, PREDICTION_LOG_DROPPED, PREDICTION_LOG_WRITTEN
            ),
        ]
        self._tasks: list[asyncio.Task] = []

    def start(self) -> None:
        """Start one background task per sink (call inside the running loop)."""
        self._tasks = [
            asyncio.create_task(w.run(), name=f"feed-{w.sink.name}") for w in self.workers
        ]

    def submit(self, records: Sequence[PredictionRecord]) -> None:
        """Hand records to every sink; never blocks, never raises for delivery problems."""
        for worker in self.workers:
            for record in records:
                worker.offer(record)

    async def close(self) -> None:
        """Flush within config.shutdown_seconds, then count the rest as dropped."""
        for worker in self.workers:
            worker.closing.set()
        _, pending = await asyncio.wait(self._tasks, timeout=self.config.shutdown_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for worker in self.workers:
            worker.count_undelivered()
            await worker.sink.aclose()
