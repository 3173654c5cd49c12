"""Request and response bodies of the drift routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from drift_service.events import DriftEvent
from drift_service.summary import FeatureHistogram
from titanic_common.features import PassengerFeatures


class ObservationBatch(BaseModel):
    """passenger_features rows (no passenger_id) seen by the model."""

    observations: list[PassengerFeatures] = Field(min_length=1)
    model_version: int | None = Field(default=None, ge=1)


class IntakeResponse(BaseModel):
    accepted: int
    window_observations: int
    check: DriftEvent | None


class DriftStatus(BaseModel):
    is_drift: bool
    p_values: dict[str, float]
    threshold: float
    window_observations: int
    window_size: int
    reference_version: int | None
    reference_rows: int
    detector: str
    checked_at: datetime | None


class EventPage(BaseModel):
    events: list[DriftEvent]
    next_before_id: int | None


class ReferenceSummary(BaseModel):
    reference_version: int | None
    reference_rows: int
    window_observations: int
    features: dict[str, FeatureHistogram]
