"""Per-feature contributions of the training pipeline: exact, complete, and pointing the
way the data does."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression

from model_service.explain import ExplanationUnavailableError, TreeExplainer, source_feature
from model_service.frame import feature_frame
from model_service.training import TrainConfig, build_pipeline
from titanic_common.demo_data import load_demo_passengers
from titanic_common.features import FEATURE_NAMES, RawPassenger, compute_features


@pytest.fixture(scope="module")
def demo():
    passengers = load_demo_passengers()
    rows = [
        compute_features(RawPassenger(**{k.lower(): v for k, v in p.items()})) for p in passengers
    ]
    labels = [p["Survived"] for p in passengers]
    return rows, labels


@pytest.fixture(scope="module")
def forest(demo):
    rows, labels = demo
    pipeline = build_pipeline(TrainConfig(n_estimators=40, seed=0))
    return pipeline.set_params(clf__max_depth=6).fit(feature_frame(rows), labels)


def test_contributions_sum_with_base_value_to_the_probability(demo, forest):
    rows = demo[0][:200]
    explanations = TreeExplainer(forest).explain(rows)
    expected = forest.predict_proba(feature_frame(rows))[:, 1]
    for explanation, probability in zip(explanations, expected, strict=True):
        assert set(explanation.contributions) == set(FEATURE_NAMES)
        assert explanation.probability == pytest.approx(probability, abs=1e-9)


def test_sex_pushes_women_up_and_men_down(forest):
    woman = compute_features(RawPassenger(pclass=2, sex="female", age=30, fare=20, embarked="S"))
    man = compute_features(RawPassenger(pclass=2, sex="male", age=30, fare=20, embarked="S"))
    her, him = TreeExplainer(forest).explain([woman, man])
    assert her.contributions["sex"] > 0 > him.contributions["sex"]
    assert her.base_value == him.base_value


def test_non_tree_models_are_refused_clearly():
    linear = build_pipeline(TrainConfig(), LogisticRegression())
    with pytest.raises(ExplanationUnavailableError, match="tree ensemble"):
        TreeExplainer(linear)


@pytest.mark.parametrize(
    ("encoded", "feature"),
    [
        ("cat__sex_female", "sex"),
        ("num__age", "age"),
        ("num__missingindicator_fare", "fare"),
        ("cat__title_Master", "title"),
        ("cat__has_cabin_1", "has_cabin"),
        ("family_size", "family_size"),
        ("onehot__embarked_", "embarked"),
    ],
)
def test_encoded_columns_map_back_to_passenger_features(encoded, feature):
    assert source_feature(encoded) == feature
