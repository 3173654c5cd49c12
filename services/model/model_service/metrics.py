"""Prometheus metrics of the prediction path (names per ARCHITECTURE.md).

Defined once per process in the default registry, which /metrics exposes.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

PREDICTIONS = Counter(
    "prediction_count",
    "Predictions served, by model version, outcome (survived, died, error) and source.",
    ["model_version", "outcome", "source"],
)
# Inference only (ONNX Runtime), so the buckets start in the microseconds.
PREDICTION_LATENCY = Histogram(
    "prediction_latency_seconds",
    "Model inference time per ONNX run (one request, or several coalesced), no HTTP or I/O.",
    buckets=(2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 0.1, 0.5),
)
MODEL_INFO = Gauge(
    "model_info", "The model version being served (value 1).", ["version", "algorithm"]
)
# 0 until a production model is loaded; the ModelNotReady alert watches it.
MODEL_READY = Gauge("model_ready", "1 when a production model is loaded and serving, else 0.")
MODEL_LOAD_FAILURES = Counter(
    "model_load_failures",
    "Production model versions that could not be loaded (missing or corrupt artifact).",
    ["version"],
)
DRIFT_OBSERVATIONS_DROPPED = Counter(
    "drift_observations_dropped",
    "Observations never delivered to the drift service (queue full, rejected, shutdown).",
    ["reason"],
)
DRIFT_OBSERVATIONS_SENT = Counter(
    "drift_observations_sent", "Observations the drift service accepted."
)
PREDICTION_LOG_DROPPED = Counter(
    "prediction_log_dropped",
    "Predictions never written to prediction_log (queue full, rejected, shutdown).",
    ["reason"],
)
PREDICTION_LOG_WRITTEN = Counter("prediction_log_written", "Rows written to prediction_log.")

# Every reason the feed can drop for, exported at 0 from the start: a series that only
# appears with the first drop leaves dashboards and rate() blank until something fails.
DROP_REASONS = ("queue_full", "rejected", "timeout", "shutdown")
for _reason in DROP_REASONS:
    DRIFT_OBSERVATIONS_DROPPED.labels(reason=_reason)
    PREDICTION_LOG_DROPPED.labels(reason=_reason)


def record_model(version: int, algorithm: str) -> None:
    """Point model_info at the model now served (one series at a time)."""
    MODEL_INFO.clear()
    MODEL_INFO.labels(version=str(version), algorithm=algorithm).set(1)
    MODEL_READY.set(1)
