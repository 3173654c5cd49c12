"""The prediction feed against a real HTTP receiver (uvicorn) and the real PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import UTC, datetime

import psycopg
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import REGISTRY

from model_service.feed import FeedConfig, PredictionFeed, PredictionRecord
from tests.support.procs import free_port
from titanic_common.features import RawPassenger, compute_features
from titanic_common.http import async_client

FAST = FeedConfig(
    queue_size=1000, batch_size=50, flush_seconds=0.05, retry_max_seconds=0.2, shutdown_seconds=3.0
)


class DriftRecorder:
    """A stand-in for POST /observations served by a real uvicorn in a thread."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.observations: list[dict] = []
        self.requests: list[dict] = []
        self.status = 202
        self.delay = 0.0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/observations")
        async def record(request: Request) -> JSONResponse:
            if self.status >= 400:
                return JSONResponse({"error": "refused"}, status_code=self.status)
            body = await request.json()
            await asyncio.sleep(self.delay)
            self.requests.append({"auth": request.headers.get("authorization"), **body})
            self.observations.extend(body["observations"])
            return JSONResponse({"accepted": len(body["observations"])}, status_code=202)

        return app

    def start(self) -> None:
        config = uvicorn.Config(self._app(), host="127.0.0.1", port=self.port, log_level="error")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        while not self._server.started:
            threading.Event().wait(0.02)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._server = None


@pytest.fixture
def recorder():
    rec = DriftRecorder(free_port())
    yield rec
    rec.stop()


def records(n: int, version: int = 1) -> list[PredictionRecord]:
    features = compute_features(RawPassenger(pclass=3, sex="male", age=22, fare=7.25))
    return [
        PredictionRecord(
            uuid.uuid4(), datetime.now(UTC), version, features.model_dump(), 0.1, "raw"
        )
        for _ in range(n)
    ]


def counter(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def dropped(reason: str) -> float:
    return counter("drift_observations_dropped_total", reason=reason)


async def logged(dsn: str, ids: list[uuid.UUID]) -> int:
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        cur = await conn.execute("SELECT count(*) FROM prediction_log WHERE id = ANY(%s)", [ids])
        return (await cur.fetchone())[0]


async def eventually(check, within: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def make_feed(url: str, dsn: str, config: FeedConfig = FAST) -> PredictionFeed:
    client = async_client(url, timeout=1.0, headers={"Authorization": "Bearer t0ken-for-tests"})
    feed = PredictionFeed(client, dsn, config)
    feed.start()
    return feed


async def test_delivers_observations_and_log_rows(recorder, database_url):
    recorder.start()
    feed = make_feed(recorder.url, database_url)
    sent = records(120, version=3)
    feed.submit(sent)
    await feed.close()

    assert len(recorder.observations) == 120
    assert all("passenger_id" not in o for o in recorder.observations)
    assert recorder.observations[0]["sex"] == "male"
    assert {r["model_version"] for r in recorder.requests} == {3}
    assert recorder.requests[0]["auth"] == "Bearer t0ken-for-tests"
    assert len(recorder.requests) < 120, "observations are sent in batches"
    assert await logged(database_url, [r.prediction_id for r in sent]) == 120


async def test_a_steady_trickle_is_sent_in_few_batches(recorder, database_url):
    # One prediction every 2 ms for 0.5 s: batches are bounded by age (flush_seconds),
    # not sent one or two records at a time as they trickle in.
    recorder.start()
    config = FeedConfig(queue_size=1000, batch_size=500, flush_seconds=0.2, shutdown_seconds=3.0)
    feed = make_feed(recorder.url, database_url, config)
    sent = records(250)
    for record in sent:
        feed.submit([record])
        await asyncio.sleep(0.002)
    await feed.close()

    assert len(recorder.observations) == 250
    assert len(recorder.requests) <= 6, [len(r["observations"]) for r in recorder.requests]
    assert await logged(database_url, [r.prediction_id for r in sent]) == 250


async def test_drift_down_then_back_delivers_everything(recorder, database_url):
    feed = make_feed(recorder.url, database_url)  # the drift receiver is not running yet
    sent = records(30)
    feed.submit(sent)

    async def all_logged() -> bool:
        return await logged(database_url, [r.prediction_id for r in sent]) == 30

    await eventually(all_logged)  # the log is not held up by the drift outage
    assert recorder.observations == []
    recorder.start()

    async def all_observed() -> bool:
        return len(recorder.observations) == 30

    await eventually(all_observed)
    await feed.close()


async def test_full_queue_and_shutdown_drops_are_counted(recorder, database_url):
    before = {r: dropped(r) for r in ("queue_full", "shutdown")}
    small = FeedConfig(
        queue_size=10, batch_size=5, flush_seconds=0.05, retry_max_seconds=0.1, shutdown_seconds=0.5
    )
    feed = make_feed(recorder.url, database_url, small)  # drift stays down throughout
    feed.submit(records(40))
    await feed.close()

    full = dropped("queue_full") - before["queue_full"]
    at_shutdown = dropped("shutdown") - before["shutdown"]
    assert full > 0
    assert full + at_shutdown == 40, "every observation is delivered or counted as dropped"


async def test_rejected_batch_is_dropped_not_retried(recorder, database_url):
    before = dropped("rejected")
    recorder.status = 422
    recorder.start()
    feed = make_feed(recorder.url, database_url)
    feed.submit(records(7))
    await feed.close()
    assert dropped("rejected") - before == 7


async def test_database_down_keeps_drift_delivery_going(recorder):
    recorder.start()
    before = counter("prediction_log_dropped_total", reason="shutdown")
    dead_db = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    config = FeedConfig(
        batch_size=50, flush_seconds=0.05, retry_max_seconds=0.1, shutdown_seconds=1.0
    )
    feed = make_feed(recorder.url, dead_db, config)
    feed.submit(records(10))
    await feed.close()
    assert len(recorder.observations) == 10
    assert counter("prediction_log_dropped_total", reason="shutdown") - before == 10


async def test_unanswered_batch_is_counted_not_sent_twice(recorder, database_url):
    before = dropped("timeout")
    recorder.delay = 1.5
    recorder.start()
    client = async_client(recorder.url, timeout=0.5)
    feed = PredictionFeed(client, database_url, FAST)
    feed.start()
    feed.submit(records(7))
    await feed.close()
    assert dropped("timeout") - before == 7
    await asyncio.sleep(1.5)
    assert len(recorder.observations) == 7, "received once, never resent"


async def test_log_rows_hold_exactly_what_was_predicted(database_url):
    # The sink formats COPY text itself: escapes, NULLs, time zones and floats round-trip.
    from model_service.feed import PredictionLogSink

    created = datetime(2026, 11, 26, 18, 0, 0, 123456, tzinfo=UTC)
    odd = {"title": 'Mr "\\\t\n\r é', "age": None, "fare": 7.25, "pclass": 3}
    source = "we\\ird\tso\nur\rce"  # COPY text escapes: backslash, tab, newline, CR
    record = PredictionRecord(uuid.uuid4(), created, None, odd, 0.1 + 0.2, source)
    sink = PredictionLogSink(database_url)
    try:
        await sink.deliver([record])
    finally:
        await sink.aclose()
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute(
            "SELECT created_at, model_version, features, probability, source"
            " FROM prediction_log WHERE id = %s",
            [record.prediction_id],
        )
        assert await cur.fetchone() == (created, None, odd, 0.1 + 0.2, source)
