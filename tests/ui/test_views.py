"""Presentation logic: reasons from explanations, header state, plot selection."""

from __future__ import annotations

from titanic_common.features import RawPassenger
from ui_service.schemas import DriftStatus, FeatureSummary, Metrics, ModelVersion
from ui_service.views import (
    Header,
    drift_histograms,
    feature_label,
    model_plots,
    slice_rows,
    top_reasons,
)

PASSENGER = RawPassenger(pclass=1, sex="female", age=38, fare=71.28, embarked="C", cabin="C85")


def test_top_reasons_rank_by_size_and_show_the_passengers_values():
    reasons = top_reasons(
        {"age": -0.01, "sex": 0.3, "pclass": 0.12, "fare": 0.0, "has_cabin": -0.05},
        PASSENGER,
        limit=3,
    )
    assert [r.label for r in reasons] == ["Sex: female", "Ticket class: 1", "Has a cabin: yes"]
    assert [r.direction for r in reasons] == ["raised", "raised", "lowered"]


def test_zero_contributions_are_not_reasons():
    assert top_reasons({"fare": 0.0}, PASSENGER) == []


def test_encoded_column_names_are_readable():
    assert feature_label("cat__sex_female") == "Sex: female"
    assert feature_label("num__family_size", {"family_size": 3}) == "Family size: 3"
    assert feature_label("mystery_thing") == "mystery thing"


def test_header_drift_state():
    def state(status: DriftStatus | None) -> str:
        return Header(None, None, status, None).drift_state

    assert state(None) == "unknown"
    assert state(DriftStatus(is_drift=True)) == "drift"
    assert state(DriftStatus(is_drift=False)) == "ok"


def test_model_plots_only_for_metrics_present():
    bare = ModelVersion(version="1")
    assert model_plots(bare) == {}
    full = ModelVersion(
        version="2",
        metrics=Metrics.model_validate(
            {
                "confusion_matrix": [[1, 2], [3, 4]],
                "roc_points": [{"fpr": 0.1, "tpr": 0.5}],
                "calibration_bins": [
                    {"mean_predicted": 0.2, "fraction_positive": 0.25, "count": 4}
                ],
            }
        ),
    )
    assert set(model_plots(full)) == {"confusion", "roc", "calibration"}


def test_histograms_skip_features_without_reference_data():
    charts = drift_histograms(
        {
            "sex": FeatureSummary(bins=["female", "male"], reference=[1, 2], current=[1, 1]),
            "fare": FeatureSummary(bins=[], reference=[], current=[]),
        }
    )
    assert [label for label, _ in charts] == ["Sex"]


def test_numeric_bins_are_labelled_by_lower_edge_and_keep_missing():
    summary = FeatureSummary(
        kind="numeric",
        bins=["0.1667-14", "14-19.5", "missing"],
        edges=[0.1667, 14, 19.5],
        reference=[3, 4, 1],
        current=[1, 1, 0],
    )
    assert summary.labels() == ["0.167", "14", "missing"]


def test_slices_flatten_to_rows_and_ignore_malformed_parts():
    rows = slice_rows(
        {
            "sex": {"female": {"accuracy": 0.9, "count": 90}, "male": {"accuracy": 0.8}},
            "pclass": "not a mapping",
            "age_band": {"0-12": {"count": 3}},
        }
    )
    assert [(r.group, r.value, r.accuracy, r.count) for r in rows] == [
        ("Sex", "female", 0.9, 90),
        ("Sex", "male", 0.8, None),
    ]
    assert slice_rows(None) == []
