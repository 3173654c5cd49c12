"""Turn service answers into what the pages show; pure functions, no HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from markupsafe import Markup

from titanic_common.features import FEATURE_NAMES, RawPassenger, compute_features
from ui_service import plots
from ui_service.clients import DriftClient, ModelClient, ServiceUnavailableError
from ui_service.schemas import DriftStatus, FeatureSummary, ModelVersion

T = TypeVar("T")

FEATURE_LABELS = {
    "pclass": "Ticket class",
    "sex": "Sex",
    "age": "Age",
    "fare": "Fare",
    "embarked": "Port",
    "sibsp": "Siblings/spouses",
    "parch": "Parents/children",
    "family_size": "Family size",
    "is_alone": "Travelling alone",
    "has_cabin": "Has a cabin",
    "title": "Title",
}
YES_NO_FEATURES = frozenset({"is_alone", "has_cabin"})
TRANSFORMER_PREFIXES = ("num__", "cat__", "remainder__")


@dataclass(frozen=True)
class Reason:
    label: str
    contribution: float

    @property
    def direction(self) -> str:
        return "raised" if self.contribution >= 0 else "lowered"


@dataclass(frozen=True)
class Header:
    """What every page's header shows: production model and drift state."""

    production: ModelVersion | None
    model_error: str | None
    drift: DriftStatus | None
    drift_error: str | None

    @property
    def drift_state(self) -> str:
        """'drift', 'ok' or 'unknown' for the badge."""
        if self.drift is None or self.drift.is_drift is None:
            return "unknown"
        return "drift" if self.drift.is_drift else "ok"


async def attempt(call: Awaitable[T]) -> tuple[T | None, str | None]:
    """(value, None) or (None, message) when the service is unavailable."""
    try:
        return await call, None
    except ServiceUnavailableError as exc:
        return None, exc.message


async def load_header(model: ModelClient, drift: DriftClient) -> Header:
    """Ask both services at once; either may be down without breaking the page."""
    (production, model_error), (status, drift_error) = await asyncio.gather(
        attempt(model.production()), attempt(drift.status())
    )
    return Header(production, model_error, status, drift_error)


def feature_label(key: str, values: dict[str, object] | None = None) -> str:
    """'sex_female' -> 'Sex: female'; a bare feature name shows the passenger's value."""
    for prefix in TRANSFORMER_PREFIXES:
        key = key.removeprefix(prefix)
    if key in FEATURE_LABELS:
        value = (values or {}).get(key)
        if value is None:
            return FEATURE_LABELS[key]
        if key in YES_NO_FEATURES:
            shown = "yes" if value else "no"
        else:
            shown = f"{value:g}" if isinstance(value, float) else str(value)
        return f"{FEATURE_LABELS[key]}: {shown}"
    for name in sorted(FEATURE_NAMES, key=len, reverse=True):
        if key.startswith(name + "_"):
            return f"{FEATURE_LABELS[name]}: {key[len(name) + 1 :]}"
    return key.replace("_", " ")


def top_reasons(
    contributions: dict[str, float], passenger: RawPassenger | None, limit: int = 5
) -> list[Reason]:
    """The contributions that moved the prediction most, largest first."""
    values = compute_features(passenger).model_dump() if passenger else {}
    ranked = sorted(contributions.items(), key=lambda kv: abs(kv[1]), reverse=True)
    return [Reason(feature_label(k, values), v) for k, v in ranked[:limit] if v != 0]


def model_plots(version: ModelVersion) -> dict[str, Markup]:
    """Confusion matrix, ROC curve and calibration plot for the metrics a version has."""
    metrics = version.metrics
    out: dict[str, Markup] = {}
    matrix = metrics.confusion_matrix
    if matrix and len(matrix) == 2 and all(len(row) == 2 for row in matrix):
        out["confusion"] = plots.confusion_matrix_svg(matrix)
    if metrics.roc_points:
        points = [(p.fpr, p.tpr) for p in metrics.roc_points]
        out["roc"] = plots.roc_curve_svg(points, metrics.roc_auc)
    bins = [
        (b.mean_predicted, b.fraction_positive, b.count)
        for b in metrics.calibration_bins
        if b.mean_predicted is not None and b.fraction_positive is not None
    ]
    if bins:
        out["calibration"] = plots.calibration_svg(bins)
    return out


@dataclass(frozen=True)
class SliceRow:
    group: str
    value: str
    accuracy: float
    count: int | None


SLICE_LABELS = {"sex": "Sex", "pclass": "Ticket class", "age_band": "Age band"}


def slice_rows(slices: object) -> list[SliceRow]:
    """Hold-out accuracy per slice ({group: {value: {accuracy, count}}}); [] if malformed."""
    if not isinstance(slices, dict):
        return []
    rows = []
    for group, values in slices.items():
        if not isinstance(values, dict):
            continue
        for value, stats in values.items():
            if isinstance(stats, dict) and isinstance(stats.get("accuracy"), int | float):
                label = SLICE_LABELS.get(group, FEATURE_LABELS.get(group, group))
                count = stats.get("count")
                rows.append(
                    SliceRow(
                        label,
                        str(value),
                        stats["accuracy"],
                        count if isinstance(count, int) else None,
                    )
                )
    return rows


def drift_histograms(summary: dict[str, FeatureSummary]) -> list[tuple[str, Markup]]:
    """One reference-vs-recent chart per feature that has data to draw."""
    charts = []
    for name, feature in summary.items():
        if feature.reference:
            label = FEATURE_LABELS.get(name, name)
            svg = plots.histogram_svg(label, feature.labels(), feature.reference, feature.current)
            charts.append((label, svg))
    return charts
