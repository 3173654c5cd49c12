"""Statistical acceptance of the detectors, run in-process on the demo passengers."""

from __future__ import annotations

import numpy as np
import pytest

from drift_service.app import reference_check
from drift_service.detectors import ScipyDetector, build_detector, corrected_threshold
from drift_service.encoding import COLUMN, encode
from drift_service.reference import NO_PRODUCTION_MODEL, ReferenceHolder
from tests.drift.demo import demo_features
from titanic_common.health import CheckResult

WINDOW = 200
TRIALS = 200


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return encode(demo_features())


@pytest.fixture(scope="module")
def scipy_detector(reference: np.ndarray) -> ScipyDetector:
    return ScipyDetector(reference, p_value=0.05)


def test_windows_from_the_reference_rarely_alarm(reference, scipy_detector):
    rng = np.random.default_rng(7)
    alarms = sum(
        scipy_detector.check(reference[rng.choice(len(reference), WINDOW)]).is_drift
        for _ in range(TRIALS)
    )
    assert alarms / TRIALS <= 0.07


def test_third_class_males_are_detected_and_blamed_on_class_and_sex(reference, scipy_detector):
    # Fare, title and has_cabin move with class and sex, so they may rank among the top
    # too; class and sex must always be there, unrelated counts never.
    rng = np.random.default_rng(11)
    pool = reference[(reference[:, COLUMN["pclass"]] == 2) & (reference[:, COLUMN["sex"]] == 0)]
    results = [scipy_detector.check(pool[rng.choice(len(pool), WINDOW)]) for _ in range(TRIALS)]
    assert sum(r.is_drift for r in results) / TRIALS >= 0.95
    for result in results:
        top = set(result.most_significant(4))
        assert {"pclass", "sex"} <= top
        assert not top & {"sibsp", "parch"}


def test_ages_shifted_by_twenty_years_are_detected_and_blamed_on_age(reference, scipy_detector):
    rng = np.random.default_rng(13)
    results = []
    for _ in range(TRIALS):
        window = reference[rng.choice(len(reference), WINDOW)].copy()
        known = window[:, COLUMN["age"]] >= 0
        window[known, COLUMN["age"]] = np.minimum(window[known, COLUMN["age"]] + 20, 120)
        results.append(scipy_detector.check(window))
    assert sum(r.is_drift for r in results) / TRIALS >= 0.95
    assert all(r.most_significant(1) == ["age"] for r in results)


def test_threshold_is_bonferroni_corrected(scipy_detector, reference):
    result = scipy_detector.check(reference[:WINDOW])
    assert result.threshold == pytest.approx(corrected_threshold(0.05)) == pytest.approx(0.05 / 11)
    assert set(result.p_values) == set(COLUMN)


def test_a_category_the_reference_never_saw_counts_as_drift(reference, scipy_detector):
    window = reference[:WINDOW].copy()
    # Every passenger in the window embarked at an unknown port (code beyond the vocabulary).
    window[:, COLUMN["embarked"]] = 9
    assert scipy_detector.check(window).p_values["embarked"] < 1e-10


def test_more_missing_ages_is_drift(reference, scipy_detector):
    rng = np.random.default_rng(3)
    window = reference[rng.choice(len(reference), WINDOW)].copy()
    window[: WINDOW // 2, COLUMN["age"]] = -1.0
    result = scipy_detector.check(window)
    assert result.is_drift
    assert result.most_significant(1) == ["age"]


@pytest.mark.slow
def test_alibi_and_scipy_give_the_same_p_values(reference):
    rng = np.random.default_rng(5)
    alibi = build_detector("alibi", reference, 0.05)
    scipy = build_detector("scipy", reference, 0.05)
    shifted = reference[reference[:, COLUMN["pclass"]] == 2][:WINDOW]
    for window in (reference[rng.choice(len(reference), WINDOW)], shifted):
        a, s = alibi.check(window), scipy.check(window)
        assert a.p_values.keys() == s.p_values.keys()
        for name in s.p_values:
            # Alibi stores p-values as float32.
            assert a.p_values[name] == pytest.approx(s.p_values[name], rel=1e-5, abs=1e-12)
        assert (a.is_drift, a.threshold) == (s.is_drift, pytest.approx(s.threshold))


@pytest.mark.slow
async def test_readiness_says_when_the_alibi_detector_is_loaded(reference):
    holder = ReferenceHolder("alibi", 0.05)
    check = reference_check(holder)
    assert (await check()) == CheckResult(False, "loading the alibi detector")
    await holder.preload_detector()
    assert (await check()) == CheckResult(False, NO_PRODUCTION_MODEL)
    await holder.use_rows(demo_features(), model_version=4)
    assert (await check()) == CheckResult(True, "model version 4, 1309 rows")
    assert holder.current.detector.name == "alibi"
