"""Training on the demo data: determinism, ONNX parity, no leakage, clear data errors."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from model_service.dataset import (
    ComputedFeatures,
    Labels,
    TrainingDataError,
    TrainingSet,
    check_trainable,
    join_training_set,
)
from model_service.evaluation import holdout_split, repeated_folds, search_folds
from model_service.frame import feature_frame
from model_service.inference import OnnxModel
from model_service.onnx_io import to_onnx, to_onnx_inputs
from model_service.train_run import fit_and_evaluate
from model_service.training import TrainConfig, build_pipeline
from titanic_common.features import PassengerFeatures


@pytest.fixture(scope="module")
def evaluated(demo_training_set: TrainingSet, fast_config: TrainConfig):
    return fit_and_evaluate(demo_training_set, fast_config)


def test_same_data_and_seed_give_identical_metrics_and_probabilities(
    demo_training_set: TrainingSet, fast_config: TrainConfig, evaluated
) -> None:
    again = fit_and_evaluate(demo_training_set, fast_config)

    assert again.metrics == evaluated.metrics
    assert again.params == evaluated.params
    frame = demo_training_set.frame
    np.testing.assert_array_equal(
        again.pipeline.predict_proba(frame), evaluated.pipeline.predict_proba(frame)
    )


def test_another_seed_gives_another_model(
    demo_training_set: TrainingSet, fast_config: TrainConfig, evaluated
) -> None:
    other = fit_and_evaluate(demo_training_set, fast_config.model_copy(update={"seed": 7}))

    frame = demo_training_set.frame
    assert not np.array_equal(
        other.pipeline.predict_proba(frame), evaluated.pipeline.predict_proba(frame)
    )


def test_onnx_agrees_with_sklearn_on_every_demo_row(
    demo_passengers: list[dict[str, Any]], evaluated
) -> None:
    rows = [PassengerFeatures(**{k: v for k, v in r.items() if k != "passenger_id"})
            for r in ComputedFeatures(demo_passengers).iter_export()]  # fmt: skip
    model = OnnxModel(to_onnx(evaluated.pipeline))

    onnx_proba = model.predict_proba(rows)
    sklearn_proba = evaluated.pipeline.predict_proba(feature_frame(rows))[:, 1]

    assert len(onnx_proba) == 1309
    np.testing.assert_allclose(onnx_proba, sklearn_proba, rtol=0, atol=1e-5)


def test_onnx_inputs_accept_dicts_with_missing_values(evaluated) -> None:
    row = {"pclass": 3, "sex": "male", "age": None, "fare": None, "embarked": None,
           "sibsp": 0, "parch": 0, "family_size": 1, "is_alone": 1, "has_cabin": 0,
           "title": "Mr"}  # fmt: skip
    feeds = to_onnx_inputs([row])

    assert feeds["age"].dtype == np.float32 and np.isnan(feeds["age"][0, 0])
    assert feeds["embarked"][0, 0] == ""
    onnx_proba = OnnxModel(to_onnx(evaluated.pipeline)).predict_proba([row])
    sklearn_proba = evaluated.pipeline.predict_proba(feature_frame([row]))[:, 1]
    np.testing.assert_allclose(onnx_proba, sklearn_proba, atol=1e-5)


class RecordingStep(BaseEstimator, TransformerMixin):
    """Passes rows through and records which passenger ids each fit saw.

    GridSearchCV and cross_val_score clone the pipeline, so records live on the class.
    """

    fits: ClassVar[list[frozenset[int]]] = []

    def fit(self, x: pd.DataFrame, y: Any = None) -> RecordingStep:
        RecordingStep.fits.append(frozenset(x.index.tolist()))
        return self

    def transform(self, x: pd.DataFrame) -> pd.DataFrame:
        return x


def recording_pipeline(config: TrainConfig) -> Pipeline:
    return Pipeline([("record", RecordingStep()), *build_pipeline(config).steps])


def test_no_holdout_or_test_fold_row_reaches_a_fitted_step(
    demo_training_set: TrainingSet, fast_config: TrainConfig
) -> None:
    RecordingStep.fits.clear()
    data = demo_training_set
    ids = data.ids

    result = fit_and_evaluate(data, fast_config, make_pipeline_=recording_pipeline)

    dev, holdout = holdout_split(data.y, fast_config)
    dev_ids = ids[dev]
    expected_search = [
        frozenset(dev_ids[train]) for train, _ in search_folds(fast_config).split(dev, data.y[dev])
    ]
    expected_cv = [
        frozenset(ids[train]) for train, _ in repeated_folds(fast_config).split(ids, data.y)
    ]
    grid_size = len(next(iter(fast_config.grid.values())))
    # Every search candidate fits each inner fold's training part, then the best is
    # refitted on the development rows; the reported CV refits on each outer fold.
    assert sorted(RecordingStep.fits, key=sorted) == sorted(
        expected_search * grid_size + [frozenset(dev_ids)] + expected_cv, key=sorted
    )
    assert set(result.holdout_ids) == set(ids[holdout])
    search_fits = RecordingStep.fits[: len(expected_search) * grid_size + 1]
    assert all(fit.isdisjoint(ids[holdout]) for fit in search_fits)


def test_metrics_describe_the_holdout(evaluated, fast_config: TrainConfig) -> None:
    m = evaluated.metrics
    (tn, fp), (fn, tp) = m["confusion_matrix"]

    assert tn + fp + fn + tp == m["holdout_rows"] == 262
    assert m["holdout_accuracy"] == pytest.approx((tn + tp) / m["holdout_rows"])
    assert sum(b["count"] for b in m["calibration_bins"]) == m["holdout_rows"]
    assert 2 <= len(m["roc_points"]) <= 50
    assert m["roc_points"][0]["fpr"] == 0 and m["roc_points"][-1]["tpr"] == 1
    assert set(m["slices"]) == {"sex", "pclass", "age_band"}
    assert sum(s["count"] for s in m["slices"]["sex"].values()) == m["holdout_rows"]
    assert m["cv_repeats"] == fast_config.cv_repeats
    assert 0.7 < m["cv_accuracy_mean"] < 0.9 and m["cv_accuracy_std"] > 0


def _labelled(passengers: list[dict[str, Any]], survived: Any = None) -> TrainingSet:
    labels = {p["PassengerId"]: (p["Survived"] if survived is None else survived)
              for p in passengers}  # fmt: skip
    return join_training_set(Labels(labels, None), ComputedFeatures(passengers).iter_export())


def test_too_few_rows_is_a_clear_error(demo_passengers: list[dict[str, Any]]) -> None:
    data = _labelled(demo_passengers[:40])

    with pytest.raises(TrainingDataError, match=r"only 40 labelled passengers.*at least 100"):
        check_trainable(data, min_rows=100, min_per_class=10)


def test_one_class_is_a_clear_error(demo_passengers: list[dict[str, Any]]) -> None:
    data = _labelled(demo_passengers[:300], survived=1)

    with pytest.raises(TrainingDataError, match="0 zeros and 300 ones"):
        check_trainable(data, min_rows=100, min_per_class=10)


def test_labels_without_features_are_counted_not_trained(
    demo_passengers: list[dict[str, Any]],
) -> None:
    labels = Labels({p["PassengerId"]: p["Survived"] for p in demo_passengers[:200]}, 3)

    data = join_training_set(labels, ComputedFeatures(demo_passengers[50:]).iter_export())

    assert list(data.ids) == list(range(51, 201))
    assert data.labels_without_features == 50
    assert data.ingestion_run_id == 3


def test_invalid_feature_row_names_the_passenger_and_field() -> None:
    row = {"passenger_id": 9, "pclass": 5, "sex": "male", "sibsp": 0, "parch": 0,
           "family_size": 1, "is_alone": 1, "has_cabin": 0, "title": "Mr"}  # fmt: skip

    with pytest.raises(TrainingDataError, match="passenger 9 is invalid: pclass"):
        join_training_set(Labels({9: 1}, None), [row])


def test_demo_passengers_follow_the_kaggle_contract(
    demo_passengers: list[dict[str, Any]],
) -> None:
    assert len(demo_passengers) == 1309
    assert [p["PassengerId"] for p in demo_passengers] == list(range(1, 1310))
    assert set(demo_passengers[0]) == {
        "PassengerId", "Survived", "Pclass", "Name", "Sex", "Age", "SibSp", "Parch",
        "Ticket", "Fare", "Cabin", "Embarked",
    }  # fmt: skip
    assert {p["Survived"] for p in demo_passengers} == {0, 1}
    assert sum(p["Age"] is None for p in demo_passengers) == 263
    assert sum(p["Embarked"] is None for p in demo_passengers) == 2
