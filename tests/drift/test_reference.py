"""Reference data: loaded from the registry's lineage and the feature store, or given."""

from __future__ import annotations

import pytest

from drift_service.reference import NO_PRODUCTION_MODEL, ReferenceHolder, production_model
from tests.drift.conftest import promote
from tests.drift.demo import demo_features
from tests.support.db import create_migrated_database, drop_database


@pytest.fixture
def empty_db():
    dsn = create_migrated_database("titanic_drift_ref")
    yield dsn
    drop_database(dsn)


async def test_without_a_production_model_nothing_loads(empty_db, feature_store):
    holder = ReferenceHolder("scipy", 0.05)
    assert await holder.refresh(empty_db, feature_store.url) is False
    assert holder.current is None and holder.problem == NO_PRODUCTION_MODEL


async def test_the_production_model_training_features_load_once(empty_db, feature_store):
    promote(empty_db, 7)
    holder = ReferenceHolder("scipy", 0.05)
    assert await holder.refresh(empty_db, feature_store.url) is True
    assert holder.current.model_version == 7
    assert holder.current.rows.shape == (len(demo_features()), 11)
    assert await holder.refresh(empty_db, feature_store.url) is False
    assert (await production_model(empty_db)).training_rows == 1309


async def test_a_feature_store_that_is_down_is_named(empty_db):
    promote(empty_db, 3)
    holder = ReferenceHolder("scipy", 0.05)
    with pytest.raises(Exception, match="unavailable"):
        await holder.refresh(empty_db, "http://127.0.0.1:9")
    assert holder.problem.startswith("reference for model version 3 not loaded")


async def test_too_few_rows_are_refused():
    holder = ReferenceHolder("scipy", 0.05)
    with pytest.raises(ValueError, match="at least"):
        await holder.use_rows(demo_features()[:5], model_version=None)
