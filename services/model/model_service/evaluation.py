"""Evaluation: the splits every fit uses and the metrics stored with a model version.

The holdout is cut first and never reaches the search or the final fit; its metrics
describe exactly the model that is registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import (
    RepeatedStratifiedKFold,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import Pipeline

if TYPE_CHECKING:
    from model_service.training import TrainConfig

MAX_ROC_POINTS = 50
CALIBRATION_BINS = 10
AGE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("0-12", 0, 13),
    ("13-17", 13, 18),
    ("18-39", 18, 40),
    ("40-59", 40, 60),
    ("60+", 60, np.inf),
)


def holdout_split(y: np.ndarray, config: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the development rows and of the stratified holdout rows."""
    positions = np.arange(len(y))
    dev, holdout = train_test_split(
        positions, test_size=config.holdout_fraction, stratify=y, random_state=config.seed
    )
    return np.sort(dev), np.sort(holdout)


def search_folds(config: TrainConfig) -> StratifiedKFold:
    """Inner folds of the hyperparameter search (development rows only)."""
    return StratifiedKFold(n_splits=config.cv_folds, shuffle=True, random_state=config.seed)


def repeated_folds(config: TrainConfig) -> RepeatedStratifiedKFold:
    """Folds of the reported CV accuracy; shuffled differently from the search's folds."""
    return RepeatedStratifiedKFold(
        n_splits=config.cv_folds, n_repeats=config.cv_repeats, random_state=config.seed + 1
    )


def cv_accuracy(
    pipeline: Pipeline, x: pd.DataFrame, y: np.ndarray, config: TrainConfig
) -> tuple[float, float]:
    """Mean and std of stratified k-fold accuracy over repeated shuffles, refitting per fold."""
    scores = cross_val_score(clone(pipeline), x, y, cv=repeated_folds(config), n_jobs=1)
    return float(scores.mean()), float(scores.std())


def calibration_bins(y: np.ndarray, proba: np.ndarray, bins: int = CALIBRATION_BINS) -> list[dict]:
    """Equal-width probability bins with mean prediction and observed survival rate."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(proba, edges[1:-1], right=False), 0, bins - 1)
    out = []
    for i in range(bins):
        mask = which == i
        count = int(mask.sum())
        out.append(
            {
                "bin_lower": float(edges[i]),
                "bin_upper": float(edges[i + 1]),
                "mean_predicted": float(proba[mask].mean()) if count else None,
                "fraction_positive": float(y[mask].mean()) if count else None,
                "count": count,
            }
        )
    return out


def roc_points(y: np.ndarray, proba: np.ndarray, limit: int = MAX_ROC_POINTS) -> list[dict]:
    """At most `limit` ROC points, evenly thinned, always keeping both ends."""
    fpr, tpr, thresholds = roc_curve(y, proba)
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(limit, len(fpr))).round().astype(int))
    # roc_curve's first threshold is +inf (nothing predicted positive); JSON wants a number.
    thresholds = np.clip(thresholds, 0.0, 1.0)
    return [
        {"fpr": float(fpr[i]), "tpr": float(tpr[i]), "threshold": float(thresholds[i])}
        for i in keep
    ]


def _accuracy_by(y: np.ndarray, pred: np.ndarray, groups: np.ndarray) -> dict[str, dict]:
    out = {}
    for group in sorted(set(groups.tolist())):
        mask = groups == group
        out[str(group)] = {
            "accuracy": float(accuracy_score(y[mask], pred[mask])),
            "count": int(mask.sum()),
        }
    return out


def age_band(age: float) -> str:
    """The age band label of one age; 'unknown' when missing."""
    if age is None or np.isnan(age):
        return "unknown"
    return next(label for label, low, high in AGE_BANDS if low <= age < high)


def slice_accuracy(frame: pd.DataFrame, y: np.ndarray, pred: np.ndarray) -> dict[str, dict]:
    """Accuracy and row count by sex, passenger class and age band."""
    return {
        "sex": _accuracy_by(y, pred, frame["sex"].to_numpy()),
        "pclass": _accuracy_by(y, pred, frame["pclass"].to_numpy()),
        "age_band": _accuracy_by(y, pred, np.array([age_band(a) for a in frame["age"]])),
    }


def holdout_metrics(frame: pd.DataFrame, y: np.ndarray, proba: np.ndarray) -> dict[str, Any]:
    """Accuracy, ROC AUC, F1, Brier, confusion matrix, calibration, ROC points and slices."""
    pred = (proba >= 0.5).astype(int)
    return {
        "holdout_accuracy": float(accuracy_score(y, pred)),
        "roc_auc": float(roc_auc_score(y, proba)),
        "f1": float(f1_score(y, pred)),
        "brier": float(brier_score_loss(y, proba)),
        "confusion_matrix": confusion_matrix(y, pred, labels=[0, 1]).tolist(),
        "calibration_bins": calibration_bins(y, proba),
        "roc_points": roc_points(y, proba),
        "slices": slice_accuracy(frame, y, pred),
        "holdout_rows": len(y),
    }
