"""Per-feature contributions: exact, complete, and pointing the way the data does."""

from __future__ import annotations

import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder

from model_service.explain import ExplanationUnavailableError, TreeExplainer, source_feature
from model_service.frame import feature_frame
from titanic_common.demo_data import load_demo_passengers
from titanic_common.features import (
    CATEGORICAL_FEATURES,
    FEATURE_NAMES,
    NUMERIC_FEATURES,
    RawPassenger,
    compute_features,
)


def preprocessing() -> ColumnTransformer:
    return ColumnTransformer(
        [
            ("num", SimpleImputer(strategy="median", add_indicator=True), list(NUMERIC_FEATURES)),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
                ),
                list(CATEGORICAL_FEATURES),
            ),
        ]
    )


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
    model = RandomForestClassifier(n_estimators=40, max_depth=6, random_state=0)
    return Pipeline([("pre", preprocessing()), ("clf", model)]).fit(feature_frame(rows), labels)


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
    linear = Pipeline([("pre", preprocessing()), ("clf", LogisticRegression())])
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
