"""Prometheus metrics of the drift service (names fixed by ARCHITECTURE.md)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from drift_service.detectors import DriftResult

DRIFT_COUNT = Counter(
    "drift_count", "Checks that detected drift", ["model_version"]
)  # exported as drift_count_total, the name users of the original system watch
DRIFT_CHECKS = Counter("drift_checks", "Drift checks run")
DRIFT_DETECTED = Gauge("drift_detected", "1 when the last check detected drift, else 0")
DRIFT_P_VALUE = Gauge("drift_p_value", "Raw p-value of the last check", ["feature"])
DRIFT_THRESHOLD = Gauge("drift_threshold", "Bonferroni-corrected per-feature threshold")
WINDOW_OBSERVATIONS = Gauge("drift_window_observations", "Observations in the window")
OBSERVATIONS = Counter("drift_observations", "Observations accepted into the window")
OBSERVATIONS_REJECTED = Counter(
    "drift_observations_rejected", "Observations refused at intake (batch too large, Redis down)"
)


def record_check(result: DriftResult, model_version: int | None, window: int) -> None:
    """Export one check's outcome."""
    DRIFT_CHECKS.inc()
    DRIFT_DETECTED.set(int(result.is_drift))
    DRIFT_THRESHOLD.set(result.threshold)
    WINDOW_OBSERVATIONS.set(window)
    for feature, p in result.p_values.items():
        DRIFT_P_VALUE.labels(feature=feature).set(p)
    if result.is_drift:
        DRIFT_COUNT.labels(model_version=str(model_version)).inc()
