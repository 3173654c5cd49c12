"""Features become numbers in one place, with fixed codes and explicit missing values."""

from __future__ import annotations

import numpy as np

from drift_service.encoding import CATEGORIES, MISSING_NUMERIC, encode, encode_row
from titanic_common.features import CATEGORICAL_FEATURES, FEATURE_NAMES, PassengerFeatures

ROW = PassengerFeatures(
    pclass=3, sex="female", age=None, fare=7.25, embarked=None, sibsp=1, parch=0,
    family_size=2, is_alone=0, has_cabin=1, title="Miss",
)  # fmt: skip


def test_every_categorical_feature_has_a_vocabulary():
    assert set(CATEGORIES) == set(CATEGORICAL_FEATURES)


def test_a_row_encodes_to_fixed_codes_in_feature_order():
    assert FEATURE_NAMES[:5] == ("pclass", "sex", "age", "fare", "embarked")
    assert encode_row(ROW) == [2.0, 1.0, MISSING_NUMERIC, 7.25, 3.0, 1.0, 0.0, 2.0, 0.0, 1.0, 2.0]


def test_dicts_and_models_encode_the_same():
    assert encode_row(ROW.model_dump()) == encode_row(ROW)


def test_encode_gives_a_matrix_even_for_no_rows():
    assert encode([]).shape == (0, len(FEATURE_NAMES))
    assert np.array_equal(encode([ROW, ROW]), np.array([encode_row(ROW)] * 2))
