"""Feature-store client over HTTP, sync and async, sharing one request/response core.

Each operation is written once as a generator that yields `Call`s and receives the
answers (sans-IO); `FeatureStoreClient` drives it with httpx.Client and
`AsyncFeatureStoreClient` with httpx.AsyncClient. Method names follow the original
RedisFeatureStore: store_features, store_batch_features, get_features,
get_batch_features, get_all_entity_ids; plus iter_export for the NDJSON export.

Errors: DependencyUnavailableError when the service is unreachable or answers 5xx,
InvalidInputError on 422 (with the server's details), UnauthorizedError on 401.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

try:
    import orjson
except ImportError:  # e.g. the Airflow environment; the stdlib path behaves the same
    orjson = None  # type: ignore[assignment]

from titanic_common.errors import (
    AppError,
    ConflictError,
    DependencyUnavailableError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    UnauthorizedError,
)
from titanic_common.features import FEATURE_VIEW
from titanic_common.http import async_client, sync_client, unavailable

SERVICE = "feature-store"
MAX_IDS_PER_LOOKUP = 10_000
PAGE_SIZE = 10_000

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One HTTP request an operation needs; `missing_ok` turns a 404 into None."""

    method: str
    path: str
    body: Any = None
    params: dict[str, Any] | None = None
    missing_ok: bool = False


# An operation yields Calls, is sent each answer's JSON (None for an allowed 404) and
# returns its result.
Operation = Generator[Call, Any, T]


def _json_default(value: Any) -> Any:
    # numpy scalars (pandas rows) know how to become plain Python values.
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _encode(body: Any) -> bytes:
    if orjson is not None:
        # orjson writes NaN as null itself and is several times faster on big pushes.
        return orjson.dumps(body, default=_json_default, option=orjson.OPT_SERIALIZE_NUMPY)
    return json.dumps(_without_nan(body), default=_json_default, allow_nan=False).encode()


def _decode(content: bytes) -> Any:
    return orjson.loads(content) if orjson is not None else json.loads(content)


def _without_nan(value: Any) -> Any:
    """NaN (pandas' missing value) as None, anywhere in a JSON-ready structure."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _without_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nan(v) for v in value]
    return value


def _as_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    return row if type(row) is dict else dict(row)


def _error_from(response: httpx.Response) -> AppError:
    """The domain error for a non-2xx answer, carrying the server's message and details."""
    try:
        error = _decode(response.content).get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    message = error.get("message") or f"{SERVICE} answered {response.status_code}"
    details = error.get("details")
    status = response.status_code
    if status >= 500:
        return DependencyUnavailableError(
            f"{SERVICE} is unavailable: {message}",
            details={"dependency": SERVICE, "status": status, "error": error or None},
        )
    kinds: dict[int, type[AppError]] = {
        401: UnauthorizedError,
        403: UnauthorizedError,
        404: NotFoundError,
        409: ConflictError,
        413: PayloadTooLargeError,
        422: InvalidInputError,
    }
    return kinds.get(status, AppError)(message, details=details)


def _answer(call: Call, response: httpx.Response) -> Any:
    """The JSON of a successful answer, None for an allowed 404, else the domain error."""
    if response.is_success:
        return _decode(response.content)
    if response.status_code == 404 and call.missing_ok:
        return None
    raise _error_from(response)


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Core:
    """Request building and answer parsing; no I/O."""

    def __init__(self, feature_view: str) -> None:
        self.feature_view = feature_view
        self.view_path = f"/feature-views/{quote(feature_view, safe='')}"

    def store_batch(self, rows: Iterable[Mapping[str, Any]], batch_size: int) -> Operation[int]:
        if not 1 <= batch_size <= 10_000:
            raise ValueError("batch_size must be between 1 and 10000")
        written = 0
        for chunk in _chunks([_as_dict(row) for row in rows], batch_size):
            body = {"feature_view": self.feature_view, "rows": chunk}
            answer = yield Call("POST", "/push", body)
            written += int(answer["written"])
        return written

    def get_one(self, passenger_id: int) -> Operation[dict[str, Any] | None]:
        path = f"{self.view_path}/entities/{int(passenger_id)}"
        answer = yield Call("GET", path, missing_ok=True)
        return None if answer is None else answer["features"]

    def get_many(self, ids: Iterable[int]) -> Operation[dict[int, dict[str, Any] | None]]:
        found: dict[int, dict[str, Any] | None] = {}
        for chunk in _chunks([int(i) for i in ids], MAX_IDS_PER_LOOKUP):
            body = {"feature_view": self.feature_view, "entities": {"passenger_id": chunk}}
            answer = yield Call("POST", "/get-online-features", body)
            found.update(self.parse_online(answer))
        return found

    @staticmethod
    def parse_online(answer: Mapping[str, Any]) -> dict[int, dict[str, Any] | None]:
        """Feast's columnar answer -> {passenger_id: {feature: value} or None}."""
        names = answer["metadata"]["feature_names"][1:]
        entity_column, *columns = answer["results"]
        out: dict[int, dict[str, Any] | None] = {}
        for row, entity_id in enumerate(entity_column["values"]):
            present = bool(columns) and columns[0]["statuses"][row] == "PRESENT"
            out[entity_id] = (
                {name: col["values"][row] for name, col in zip(names, columns, strict=True)}
                if present
                else None
            )
        return out

    def all_ids(self) -> Operation[list[int]]:
        ids: list[int] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": PAGE_SIZE}
            if cursor is not None:
                params["cursor"] = cursor
            answer = yield Call("GET", f"{self.view_path}/entities", params=params)
            ids.extend(answer["entity_ids"])
            cursor = answer["next_cursor"]
            if cursor is None:
                return ids

    def export_call(self) -> Call:
        return Call("GET", f"{self.view_path}/export")


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _request_kwargs(call: Call) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"params": call.params}
    if call.body is not None:
        kwargs["content"] = _encode(call.body)
        kwargs["headers"] = {"Content-Type": "application/json"}
    return kwargs


class FeatureStoreClient:
    """Blocking client of the feature-store service."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 2.0,
        feature_view: str = FEATURE_VIEW,
    ) -> None:
        self._core = _Core(feature_view)
        self._http = sync_client(base_url, timeout=timeout, headers=_headers(token))

    def _send(self, call: Call) -> Any:
        try:
            response = self._http.request(call.method, call.path, **_request_kwargs(call))
        except httpx.TransportError as exc:
            raise unavailable(SERVICE, exc) from exc
        return _answer(call, response)

    def _run(self, operation: Operation[T]) -> T:
        try:
            call = next(operation)
            while True:
                call = operation.send(self._send(call))
        except StopIteration as done:
            return done.value

    def store_features(self, passenger_id: int, features: Mapping[str, Any]) -> int:
        """Write one entity's features (a dict or a PassengerFeatures)."""
        return self.store_batch_features([{**dict(features), "passenger_id": passenger_id}])

    def store_batch_features(
        self, rows: Iterable[Mapping[str, Any]], batch_size: int = 1000
    ) -> int:
        """Write rows (each with passenger_id) in pushes of `batch_size`; returns rows written."""
        return self._run(self._core.store_batch(rows, batch_size))

    def get_features(self, passenger_id: int) -> dict[str, Any] | None:
        """One entity's features, or None when none are stored."""
        return self._run(self._core.get_one(passenger_id))

    def get_batch_features(self, ids: Iterable[int]) -> dict[int, dict[str, Any] | None]:
        """Features of many entities (None where absent), one request per 10 000 ids."""
        return self._run(self._core.get_many(ids))

    def get_all_entity_ids(self) -> list[int]:
        """Every entity id of the view, ascending, paging through the cursor API."""
        return self._run(self._core.all_ids())

    def iter_export(self) -> Iterator[dict[str, Any]]:
        """Every row (passenger_id, features, event_timestamp), streamed."""
        call = self._core.export_call()
        try:
            with self._http.stream(call.method, call.path) as response:
                if not response.is_success:
                    response.read()
                    _answer(call, response)
                for line in response.iter_lines():
                    if line:
                        yield _decode(line)
        except httpx.TransportError as exc:
            raise unavailable(SERVICE, exc) from exc

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FeatureStoreClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class AsyncFeatureStoreClient:
    """Asyncio client of the feature-store service; same methods, awaited."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 2.0,
        feature_view: str = FEATURE_VIEW,
    ) -> None:
        self._core = _Core(feature_view)
        self._http = async_client(base_url, timeout=timeout, headers=_headers(token))

    async def _send(self, call: Call) -> Any:
        try:
            response = await self._http.request(call.method, call.path, **_request_kwargs(call))
        except httpx.TransportError as exc:
            raise unavailable(SERVICE, exc) from exc
        return _answer(call, response)

    async def _run(self, operation: Operation[T]) -> T:
        try:
            call = next(operation)
            while True:
                call = operation.send(await self._send(call))
        except StopIteration as done:
            return done.value

    async def store_features(self, passenger_id: int, features: Mapping[str, Any]) -> int:
        """Write one entity's features (a dict or a PassengerFeatures)."""
        return await self.store_batch_features([{**dict(features), "passenger_id": passenger_id}])

    async def store_batch_features(
        self, rows: Iterable[Mapping[str, Any]], batch_size: int = 1000
    ) -> int:
        """Write rows (each with passenger_id) in pushes of `batch_size`; returns rows written."""
        return await self._run(self._core.store_batch(rows, batch_size))

    async def get_features(self, passenger_id: int) -> dict[str, Any] | None:
        """One entity's features, or None when none are stored."""
        return await self._run(self._core.get_one(passenger_id))

    async def get_batch_features(self, ids: Iterable[int]) -> dict[int, dict[str, Any] | None]:
        """Features of many entities (None where absent), one request per 10 000 ids."""
        return await self._run(self._core.get_many(ids))

    async def get_all_entity_ids(self) -> list[int]:
        """Every entity id of the view, ascending, paging through the cursor API."""
        return await self._run(self._core.all_ids())

    async def iter_export(self) -> AsyncIterator[dict[str, Any]]:
        """Every row (passenger_id, features, event_timestamp), streamed."""
        call = self._core.export_call()
        try:
            async with self._http.stream(call.method, call.path) as response:
                if not response.is_success:
                    await response.aread()
                    _answer(call, response)
                async for line in response.aiter_lines():
                    if line:
                        yield _decode(line)
        except httpx.TransportError as exc:
            raise unavailable(SERVICE, exc) from exc

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncFeatureStoreClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
