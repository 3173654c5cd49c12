"""Typed clients over real HTTP: parsed answers, and outages as ServiceUnavailableError."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.procs import free_port
from titanic_common.features import RawPassenger
from titanic_common.http import async_client
from ui_service.clients import (
    DriftClient,
    InputRejectedError,
    ModelClient,
    ServiceUnavailableError,
)

PASSENGER = RawPassenger(pclass=1, sex="female", age=29, fare=80, embarked="S")


@pytest.fixture
async def model(stub_url: str) -> AsyncIterator[ModelClient]:
    async with async_client(stub_url, 2.0) as http:
        yield ModelClient(http)


@pytest.fixture
async def drift(stub_url: str) -> AsyncIterator[DriftClient]:
    async with async_client(stub_url, 2.0) as http:
        yield DriftClient(http)


async def test_predict_returns_probability_version_and_explanation(model: ModelClient):
    prediction = await model.predict(PASSENGER)
    assert 0 <= prediction.survival_probability <= 1
    assert prediction.model_version == "7"
    assert prediction.explanation is not None
    assert prediction.explanation.contributions["sex"] > 0


async def test_model_503_becomes_unavailable_with_its_message(model: ModelClient):
    outage = PASSENGER.model_copy(update={"name": "Outage, Mr. Simulated"})
    with pytest.raises(ServiceUnavailableError, match="no production model yet"):
        await model.predict(outage)


async def test_model_422_names_the_fields(model: ModelClient):
    rejected = PASSENGER.model_copy(update={"name": "Reject, Mr. Upstream"})
    with pytest.raises(InputRejectedError) as caught:
        await model.predict(rejected)
    assert caught.value.fields == {"age": "too old for this model"}


async def test_unexplainable_model_still_predicts(model: ModelClient):
    prediction = await model.predict(
        PASSENGER.model_copy(update={"name": "Unexplained, Mr. Model"})
    )
    assert prediction.explanation is None and prediction.model_version == "7"


async def test_registry_lists_versions_with_metrics(model: ModelClient):
    versions = await model.list_models()
    assert [v.version for v in versions] == ["7", "6"]
    production = await model.production()
    assert production is not None and production.metrics.confusion_matrix == [[140, 22], [26, 74]]
    assert production.metrics.roc_points and production.metrics.calibration_bins


async def test_drift_status_events_and_summary(drift: DriftClient):
    status = await drift.status()
    assert status is not None and status.is_drift and status.p_values["fare"] < status.threshold
    page = await drift.events(limit=1)
    assert len(page.events) == 1 and page.events[0].id == "2"
    summary = await drift.summary()
    assert summary["fare"].labels() == ["0", "7.75", "10.5", "26", "52", "missing"]
    assert summary["sex"].labels() == ["female", "male"]


async def test_nobody_listening_is_unavailable_not_an_exception_leak():
    async with async_client(f"http://127.0.0.1:{free_port()}", 1.0) as http:
        with pytest.raises(ServiceUnavailableError, match="model service cannot be reached"):
            await ModelClient(http).production()
        with pytest.raises(ServiceUnavailableError, match="drift service cannot be reached"):
            await DriftClient(http).status()
