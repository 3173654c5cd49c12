"""Drift routes: observation intake, status, events, reference summary, manual check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from drift_service.deps import AdminDep, MonitorDep, ServiceDep
from drift_service.events import DriftEvent
from drift_service.schemas import (
    DriftStatus,
    EventPage,
    IntakeResponse,
    ObservationBatch,
    ReferenceSummary,
)

router = APIRouter(tags=["drift"])


@router.post("/observations", response_model=IntakeResponse, dependencies=[ServiceDep])
async def add_observations(batch: ObservationBatch, monitor: MonitorDep) -> IntakeResponse:
    """Add a batch of feature vectors to the window; checks run every N observations."""
    return await monitor.add(batch.observations, batch.model_version)


@router.get("/drift/status", response_model=DriftStatus)
async def read_status(monitor: MonitorDep) -> DriftStatus:
    """Latest check: per-feature p-values, threshold, verdict, window fill, reference."""
    return await monitor.status()


@router.get("/drift/events", response_model=EventPage)
async def list_drift_events(
    monitor: MonitorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,  # bigint ids
) -> EventPage:
    """Recorded checks, newest first; page with before_id=next_before_id."""
    return await monitor.events(limit, before_id)


@router.get("/drift/reference/summary", response_model=ReferenceSummary)
async def read_reference_summary(monitor: MonitorDep) -> ReferenceSummary:
    """Per-feature histograms of the reference data and the current window."""
    return await monitor.summary()


@router.post("/drift/check", response_model=DriftEvent, dependencies=[AdminDep])
async def run_check(monitor: MonitorDep) -> DriftEvent:
    """Check the current window now and record the result."""
    return await monitor.check()
