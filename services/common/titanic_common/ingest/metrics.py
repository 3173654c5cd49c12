"""Batch-job metrics pushed to the Prometheus Pushgateway at the end of a run."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

from titanic_common.ingest.lineage import INGEST_JOB, TRAIN_JOB
from titanic_common.logging import get_logger

log = get_logger(__name__)

PUSH_TIMEOUT_SECONDS = 5.0


def _push(url: str | None, job: str, registry: CollectorRegistry) -> bool:
    if not url:
        log.info("pushgateway_skipped", job=job, reason="PUSHGATEWAY_URL is not set")
        return False
    try:
        push_to_gateway(url, job=job, registry=registry, timeout=PUSH_TIMEOUT_SECONDS)
    except OSError as exc:
        # Metrics must not undo a load that succeeded; a stale timestamp alerts instead.
        log.warning("pushgateway_unreachable", job=job, url=url, error=str(exc))
        return False
    log.info("metrics_pushed", job=job, url=url)
    return True


def ingest_registry(
    rows_loaded: int, rows_rejected: int, now: float | None = None
) -> CollectorRegistry:
    """ingest_rows{status} and ingest_last_success_timestamp_seconds for one run."""
    registry = CollectorRegistry()
    rows = Gauge("ingest_rows", "Rows in the last ingestion run", ["status"], registry=registry)
    rows.labels(status="loaded").set(rows_loaded)
    rows.labels(status="rejected").set(rows_rejected)
    last = Gauge(
        "ingest_last_success_timestamp_seconds",
        "Unix time of the last successful ingestion run",
        registry=registry,
    )
    last.set(now if now is not None else time.time())
    return registry


def push_ingest_metrics(url: str | None, rows_loaded: int, rows_rejected: int) -> bool:
    """Push the ingestion metrics; False when skipped or unreachable."""
    return _push(url, INGEST_JOB, ingest_registry(rows_loaded, rows_rejected))


def push_train_metrics(url: str | None, now: float | None = None) -> bool:
    """Push train_last_success_timestamp_seconds; False when skipped or unreachable."""
    registry = CollectorRegistry()
    last = Gauge(
        "train_last_success_timestamp_seconds",
        "Unix time of the last successful training run",
        registry=registry,
    )
    last.set(now if now is not None else time.time())
    return _push(url, TRAIN_JOB, registry)
