"""What the model and drift services answer, read tolerantly.

Unknown fields are ignored and missing ones defaulted: the UI must keep rendering while
the services it reads from evolve. Versions and ids are read as strings whatever their
JSON type.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, protected_namespaces=())


class Explanation(Tolerant):
    base_value: float | None = None
    contributions: dict[str, float] = {}


class Prediction(Tolerant):
    survival_probability: float
    survived: bool
    model_version: str
    prediction_id: str | None = None
    explanation: Explanation | None = None


class RocPoint(Tolerant):
    fpr: float
    tpr: float
    threshold: float | None = None


class CalibrationBin(Tolerant):
    bin_lower: float | None = None
    bin_upper: float | None = None
    mean_predicted: float | None = None
    fraction_positive: float | None = None
    count: int = 0


class Metrics(Tolerant):
    cv_accuracy_mean: float | None = None
    cv_accuracy_std: float | None = None
    holdout_accuracy: float | None = None
    roc_auc: float | None = None
    f1: float | None = None
    brier: float | None = None
    confusion_matrix: list[list[int]] | None = None
    calibration_bins: list[CalibrationBin] = []
    roc_points: list[RocPoint] = []
    slices: Any = None


class ModelVersion(Tolerant):
    version: str
    status: str = "unknown"
    created_at: datetime | None = None
    promoted_at: datetime | None = None
    algorithm: str | None = None
    metrics: Metrics = Metrics()
    training_rows: int | None = None
    ingestion_run_id: str | None = None
    feature_view: str | None = None
    feature_view_version: str | None = None
    status_reason: str | None = None


class DriftStatus(Tolerant):
    is_drift: bool | None = None
    p_values: dict[str, float] = {}
    threshold: float = 0.05
    window_observations: int | None = None
    window_size: int | None = None
    reference_version: str | None = None
    reference_rows: int | None = None
    detector: str | None = None
    checked_at: datetime | None = None


class DriftEvent(Tolerant):
    id: str
    checked_at: datetime | None = None
    model_version: str | None = None
    window_size: int | None = None
    detector: str | None = None
    p_values: dict[str, float] = {}
    threshold: float | None = None
    is_drift: bool = False


class DriftEvents(Tolerant):
    events: list[DriftEvent] = []
    next_before_id: str | None = None


class FeatureSummary(Tolerant):
    """One feature's histogram: `bins` are labels (or numeric edges in older answers)."""

    kind: Literal["numeric", "categorical"] | None = None
    bins: list[str | float] = []
    edges: list[float] | None = None
    categories: list[str] = []
    reference: list[float] = []
    current: list[float] = []

    def labels(self) -> list[str]:
        """One label per bar: the bin's own label, the category, or the lower edge."""
        if self.categories:
            return self.categories
        labels = [b if isinstance(b, str) else f"{b:g}" for b in self.bins]
        if self.kind == "numeric" and self.edges and len(self.edges) >= 2:
            # Bin labels like "7.5675-7.8542" do not fit under a bar; lower edges do.
            lower = [f"{edge:.3g}" for edge in self.edges[:-1]]
            labels = lower + labels[len(lower) :]
        return labels[: len(self.reference)]
