"""FeatureStoreClient and AsyncFeatureStoreClient against a real feature-store process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.feature_store.support import passenger_row, start_feature_store, unique_view
from tests.support.procs import free_port
from titanic_common import feature_client
from titanic_common.errors import (
    DependencyUnavailableError,
    InvalidInputError,
    UnauthorizedError,
)
from titanic_common.feature_client import AsyncFeatureStoreClient, FeatureStoreClient
from titanic_common.features import RawPassenger, compute_features


@pytest.fixture(scope="module")
def service_url(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    service = start_feature_store(redis_url, tmp_path_factory.mktemp("fs-client"))
    yield service.url
    service.stop()


@pytest.fixture(scope="module")
def small_view(service_url: str) -> str:
    """A two-feature view of its own, so id listings hold only this module's rows."""
    name = unique_view("client")
    body = {
        "name": name,
        "version": 1,
        "features": {"x": {"type": "int"}, "y": {"type": "float", "nullable": True}},
    }
    httpx.post(
        f"{service_url}/feature-views",
        json=body,
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=10,
    ).raise_for_status()
    return name


@pytest.fixture
def client(service_url: str) -> Iterator[FeatureStoreClient]:
    with FeatureStoreClient(service_url, token=ADMIN_TOKEN, timeout=10) as c:
        yield c


def test_store_and_get_one_passenger(client: FeatureStoreClient) -> None:
    features = compute_features(
        RawPassenger(
            pclass=1,
            sex="female",
            age=38,
            fare=71.28,
            embarked="C",
            name="Cumings, Mrs. John Bradley",
            cabin="C85",
            sibsp=1,
        )
    )
    assert client.store_features(700_001, features) == 1
    assert client.get_features(700_001) == features.model_dump()
    assert client.get_features(799_999) is None


def test_batch_round_trip_with_missing_ids(client: FeatureStoreClient) -> None:
    rows = [passenger_row(i) for i in range(710_000, 712_500)]
    assert client.store_batch_features(rows, batch_size=1000) == 2500
    found = client.get_batch_features([710_000, 712_499, 719_999])
    assert found[719_999] is None
    expected = {k: v for k, v in passenger_row(712_499).items() if k != "passenger_id"}
    assert found[712_499] == expected


def test_nan_from_pandas_is_stored_as_null(client: FeatureStoreClient) -> None:
    client.store_features(720_000, {**passenger_row(0), "age": float("nan")})
    assert client.get_features(720_000)["age"] is None


def test_all_ids_page_through_the_cursor_api_and_export_matches(
    service_url: str, small_view: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feature_client, "PAGE_SIZE", 100)  # several pages from few rows
    rows = [
        {"passenger_id": i, "x": i * 2, "y": None if i % 5 == 0 else i / 4} for i in range(1, 351)
    ]
    with FeatureStoreClient(service_url, token=ADMIN_TOKEN, feature_view=small_view) as c:
        assert c.store_batch_features(rows, batch_size=100) == 350
        assert c.get_all_entity_ids() == list(range(1, 351))
        exported = list(c.iter_export())
    assert [{k: r[k] for k in ("passenger_id", "x", "y")} for r in exported] == rows
    assert all(r["event_timestamp"].endswith("Z") for r in exported)


async def test_async_client_does_the_same(service_url: str, small_view: str) -> None:
    async with AsyncFeatureStoreClient(
        service_url, token=ADMIN_TOKEN, feature_view=small_view
    ) as c:
        assert await c.store_features(900, {"x": 9, "y": 0.5}) == 1
        assert await c.get_features(900) == {"x": 9, "y": 0.5}
        assert await c.get_features(901) is None
        assert await c.get_batch_features([900, 901]) == {900: {"x": 9, "y": 0.5}, 901: None}
        assert 900 in await c.get_all_entity_ids()
        exported = {r["passenger_id"]: r async for r in c.iter_export()}
        assert {"passenger_id": 900, "x": 9, "y": 0.5}.items() <= exported[900].items()


def test_missing_token_raises_unauthorized(service_url: str) -> None:
    with FeatureStoreClient(service_url) as c, pytest.raises(UnauthorizedError):
        c.store_features(1, passenger_row(1))


def test_invalid_row_raises_with_the_servers_details(client: FeatureStoreClient) -> None:
    with pytest.raises(InvalidInputError) as caught:
        client.store_batch_features([passenger_row(1), passenger_row(2, pclass="first")])
    assert caught.value.details["fields"] == ["rows.1.pclass"]


def test_unreachable_service_raises_dependency_unavailable() -> None:
    with FeatureStoreClient(f"http://127.0.0.1:{free_port()}") as c:
        with pytest.raises(DependencyUnavailableError):
            c.get_features(1)
        with pytest.raises(DependencyUnavailableError):
            list(c.iter_export())


async def test_service_answering_503_raises_dependency_unavailable(tmp_path: Path) -> None:
    # A service whose Redis does not exist starts, and answers 503 to every data call.
    service = start_feature_store(f"redis://127.0.0.1:{free_port()}/0", tmp_path)
    try:
        async with AsyncFeatureStoreClient(service.url, token=ADMIN_TOKEN) as c:
            with pytest.raises(DependencyUnavailableError) as caught:
                await c.get_batch_features([1])
            assert caught.value.details["status"] == 503
        with FeatureStoreClient(service.url) as c, pytest.raises(DependencyUnavailableError):
            list(c.iter_export())
    finally:
        service.stop()


@pytest.mark.parametrize("fast", [True, False], ids=["orjson", "stdlib"])
def test_bodies_send_nan_as_null_and_numpy_as_numbers(
    fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    import numpy as np

    if not fast:
        monkeypatch.setattr(feature_client, "orjson", None)
    body = {"rows": [{"age": float("nan"), "fare": np.float64("nan"), "n": np.int64(3)}]}
    assert json.loads(feature_client._encode(body)) == {
        "rows": [{"age": None, "fare": None, "n": 3}]
    }
