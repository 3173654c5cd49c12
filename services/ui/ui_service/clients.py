"""Typed calls to the model and drift services.

Every failure a user could hit (connection refused, timeout, 5xx, an answer we cannot
read) becomes `ServiceUnavailableError` with a plain message, so pages show an outage
notice instead of a 500.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from titanic_common.features import RawPassenger
from titanic_common.logging import get_logger
from ui_service.schemas import (
    DriftEvents,
    DriftStatus,
    FeatureSummary,
    ModelVersion,
    Prediction,
)

log = get_logger(__name__)

M = TypeVar("M", bound=BaseModel)

EXPLANATION_UNAVAILABLE = "explanation_unavailable"


class ServiceUnavailableError(Exception):
    """The service could not answer usefully; `message` is fit to show to a person."""

    def __init__(self, service: str, message: str) -> None:
        super().__init__(message)
        self.service = service
        self.message = message


class InputRejectedError(Exception):
    """The model service refused the passenger (422); `fields` maps field -> message."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("input rejected")
        self.fields = fields


def _error_code(response: httpx.Response) -> str | None:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


def _error_message(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return f"answered HTTP {response.status_code}"


class _ServiceClient:
    service = "service"

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise self._down("did not answer in time", exc) from exc
        except httpx.HTTPError as exc:
            raise self._down("cannot be reached", exc) from exc
        if response.status_code >= 500:
            raise ServiceUnavailableError(self.service, _error_message(response))
        return response

    def _down(self, what: str, exc: Exception) -> ServiceUnavailableError:
        log.warning("upstream_unavailable", service=self.service, error=type(exc).__name__)
        return ServiceUnavailableError(self.service, f"The {self.service} service {what}.")

    def _parse(self, model: type[M], data: Any) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            log.warning("upstream_unreadable", service=self.service, errors=exc.error_count())
            raise ServiceUnavailableError(
                self.service, f"The {self.service} service gave an answer the UI cannot read."
            ) from exc

    async def _get_json(self, path: str, **params: Any) -> Any | None:
        """JSON body of a GET; None on 404; ServiceUnavailableError on anything else odd."""
        query = {k: v for k, v in params.items() if v is not None}
        response = await self._request("GET", path, params=query)
        if response.status_code == 404:
            return None
        if not response.is_success:
            raise ServiceUnavailableError(self.service, _error_message(response))
        try:
            return response.json()
        except ValueError as exc:
            raise self._down("gave an answer that is not JSON", exc) from exc


class ModelClient(_ServiceClient):
    """Predictions and the model registry (MODEL_URL)."""

    service = "model"

    async def predict(self, passenger: RawPassenger) -> Prediction:
        """A prediction, explained when the model can; InputRejectedError on 422."""
        body = passenger.model_dump(exclude_none=True)
        response = await self._request("POST", "/predict", params={"explain": "true"}, json=body)
        if response.status_code == 409 and _error_code(response) == EXPLANATION_UNAVAILABLE:
            # A prediction without reasons beats no prediction at all.
            response = await self._request("POST", "/predict", json=body)
        if response.status_code == 422:
            raise InputRejectedError(_rejected_fields(response))
        if not response.is_success:
            raise ServiceUnavailableError(self.service, _error_message(response))
        return self._parse(Prediction, response.json())

    async def list_models(self) -> list[ModelVersion]:
        """Every registered version, newest first as the service orders them."""
        data = await self._get_json("/models")
        if isinstance(data, dict):
            data = data.get("versions") or data.get("models") or data.get("items") or []
        return [self._parse(ModelVersion, item) for item in data or []]

    async def production(self) -> ModelVersion | None:
        """The production version, or None when no model has been promoted."""
        data = await self._get_json("/models/production")
        return None if data is None else self._parse(ModelVersion, data)


class DriftClient(_ServiceClient):
    """Drift status, history and distributions (DRIFT_URL)."""

    service = "drift"

    async def status(self) -> DriftStatus | None:
        """The latest check, or None when the service has nothing to report yet."""
        data = await self._get_json("/drift/status")
        return None if data is None else self._parse(DriftStatus, data)

    async def events(self, limit: int = 20, before_id: int | None = None) -> DriftEvents:
        """One page of drift checks, newest first."""
        data = await self._get_json("/drift/events", limit=limit, before_id=before_id)
        if isinstance(data, list):
            data = {"events": data}
        return self._parse(DriftEvents, data or {})

    async def summary(self) -> dict[str, FeatureSummary]:
        """Reference vs current distribution per feature."""
        data = await self._get_json("/drift/reference/summary") or {}
        if isinstance(data, dict) and isinstance(data.get("features"), dict):
            data = data["features"]
        if not isinstance(data, dict):
            return {}
        return {
            name: self._parse(FeatureSummary, value)
            for name, value in data.items()
            if isinstance(value, dict)
        }


def _rejected_fields(response: httpx.Response) -> dict[str, str]:
    try:
        errors = response.json()["error"]["details"]["errors"]
        return {str(e["field"]): str(e["message"]) for e in errors}
    except (ValueError, KeyError, TypeError):
        return {"form": _error_message(response)}
