"""Evaluation helpers and the promotion gate: pure logic against fixed expected values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model_service.evaluation import age_band, calibration_bins, roc_points
from model_service.promotion import PromotionPolicy, decide_promotion

POLICY = PromotionPolicy(tolerance=0.01, min_holdout_accuracy=0.75, min_roc_auc=0.80)


def test_calibration_bins_count_every_prediction_once() -> None:
    y = np.array([0, 0, 1, 1, 1])
    proba = np.array([0.0, 0.05, 0.55, 0.95, 1.0])

    bins = calibration_bins(y, proba, bins=10)

    assert [b["count"] for b in bins] == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    assert bins[0] == {"bin_lower": 0.0, "bin_upper": 0.1, "mean_predicted": 0.025,
                       "fraction_positive": 0.0, "count": 2}  # fmt: skip
    assert bins[1]["mean_predicted"] is None
    assert bins[9]["fraction_positive"] == 1.0


def test_roc_points_are_thinned_to_the_limit_keeping_both_ends() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    proba = rng.random(500)

    points = roc_points(y, proba, limit=50)

    assert len(points) == 50
    assert (points[0]["fpr"], points[0]["tpr"]) == (0.0, 0.0)
    assert (points[-1]["fpr"], points[-1]["tpr"]) == (1.0, 1.0)
    assert all(0.0 <= p["threshold"] <= 1.0 for p in points)
    assert [p["fpr"] for p in points] == sorted(p["fpr"] for p in points)


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0.5, "0-12"),
        (12.9, "0-12"),
        (13, "13-17"),
        (39.5, "18-39"),
        (60, "60+"),
        (math.nan, "unknown"),
    ],
)
def test_age_bands(age: float, band: str) -> None:
    assert age_band(age) == band


def test_first_model_passing_bounds_is_promoted() -> None:
    decision = decide_promotion({"holdout_accuracy": 0.82, "roc_auc": 0.88}, None, POLICY)

    assert decision.promote
    assert "first model" in decision.reason


def test_model_worse_than_production_beyond_tolerance_stays_candidate() -> None:
    decision = decide_promotion(
        {"holdout_accuracy": 0.80, "roc_auc": 0.88}, {"holdout_accuracy": 0.83}, POLICY
    )

    assert not decision.promote
    assert decision.reason == ("holdout_accuracy 0.8000 < production's 0.8300 - tolerance 0.0100")


def test_model_slightly_worse_within_tolerance_is_promoted() -> None:
    decision = decide_promotion(
        {"holdout_accuracy": 0.825, "roc_auc": 0.88}, {"holdout_accuracy": 0.83}, POLICY
    )

    assert decision.promote


@pytest.mark.parametrize(
    ("metrics", "reason"),
    [
        ({"holdout_accuracy": 0.70, "roc_auc": 0.9}, "holdout_accuracy 0.7000 < minimum 0.7500"),
        ({"holdout_accuracy": 0.80, "roc_auc": 0.79}, "roc_auc 0.7900 < minimum 0.8000"),
    ],
)
def test_model_below_minimum_bounds_is_not_promoted(metrics: dict, reason: str) -> None:
    decision = decide_promotion(metrics, None, POLICY)

    assert not decision.promote
    assert decision.reason == reason
