"""The drift monitor: observations in, checks out. Ties the window, the reference and
the event log together; no HTTP here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import numpy as np
import psycopg
from redis.exceptions import RedisError

from drift_service import metrics
from drift_service.detectors import corrected_threshold
from drift_service.encoding import encode
from drift_service.events import DriftEvent, NewDriftEvent, insert_event, latest_event, list_events
from drift_service.reference import Reference, ReferenceHolder
from drift_service.schemas import DriftStatus, EventPage, IntakeResponse, ReferenceSummary
from drift_service.summary import summarize
from drift_service.windows import RedisWindow
from titanic_common.errors import (
    AppError,
    ConflictError,
    DependencyUnavailableError,
    PayloadTooLargeError,
)
from titanic_common.features import FEATURE_NAMES, PassengerFeatures
from titanic_common.http import unavailable
from titanic_common.logging import get_logger

log = get_logger(__name__)


@asynccontextmanager
async def dependency(name: str) -> AsyncIterator[None]:
    """Turn a failing Redis or PostgreSQL call into a clear 503."""
    try:
        yield
    except (RedisError, psycopg.OperationalError, OSError) as exc:
        log.warning("dependency_unavailable", dependency=name, error=type(exc).__name__)
        raise unavailable(name, exc) from exc


class DriftMonitor:
    """Windowed drift detection against the production model's training data."""

    def __init__(
        self, window: RedisWindow, references: ReferenceHolder, dsn: str, max_batch: int
    ) -> None:
        self.window = window
        self.references = references
        self.dsn = dsn
        self.max_batch = max_batch

    def _reference(self) -> Reference:
        if self.references.current is None:
            raise DependencyUnavailableError(
                self.references.problem or "reference data not loaded",
                details={"dependency": "reference"},
            )
        return self.references.current

    async def add(
        self, observations: Sequence[PassengerFeatures], model_version: int | None = None
    ) -> IntakeResponse:
        """Put a batch in the window; run a check when one is due and data allows."""
        if len(observations) > self.max_batch:
            metrics.OBSERVATIONS_REJECTED.inc(len(observations))
            raise PayloadTooLargeError(
                f"{len(observations)} observations in one batch; at most {self.max_batch}",
                details={"field": "observations", "max": self.max_batch},
            )
        current = self.references.current
        if model_version is not None and current and current.model_version != model_version:
            # Inputs served by another version than the reference's: worth knowing while
            # a promotion propagates; they still go into the one shared window.
            log.info(
                "observations_version_differs",
                sent=model_version,
                reference=current.model_version,
            )
        async with dependency("redis"):
            intake = await self.window.add(observations)
        metrics.OBSERVATIONS.inc(intake.accepted)
        metrics.WINDOW_OBSERVATIONS.set(intake.window_observations)
        check = await self._due_check() if intake.check_due else None
        return IntakeResponse(
            accepted=intake.accepted, window_observations=intake.window_observations, check=check
        )

    async def _due_check(self) -> DriftEvent | None:
        # The batch is in the window already: a check that cannot run must not turn the
        # intake into an error (the sender would retry and count the batch twice).
        try:
            return await self.check()
        except AppError as exc:
            log.warning("check_skipped", reason=exc.message)
            return None

    async def _window_matrix(self) -> np.ndarray:
        async with dependency("redis"):
            rows = await self.window.observations()
        return encode(rows)

    async def check(self) -> DriftEvent:
        """Test the whole window against the reference and record the result."""
        reference = self._reference()
        window = await self._window_matrix()
        if len(window) < self.window.min_window:
            raise ConflictError(
                f"the window holds {len(window)} observations; "
                f"a check needs at least {self.window.min_window}",
                details={"window_observations": len(window)},
            )
        result = await asyncio.to_thread(reference.detector.check, window)
        async with dependency("postgres"):
            event = await insert_event(
                self.dsn,
                NewDriftEvent(
                    model_version=reference.model_version,
                    window_size=len(window),
                    detector=reference.detector.name,
                    p_values=result.p_values,
                    threshold=result.threshold,
                    is_drift=result.is_drift,
                ),
            )
        metrics.record_check(result, reference.model_version, len(window))
        log.info(
            "drift_checked",
            is_drift=result.is_drift,
            window=len(window),
            most_significant=result.most_significant(3),
            event_id=event.id,
        )
        return event

    async def status(self) -> DriftStatus:
        """The last check's verdict, with the window fill and reference in use."""
        async with dependency("redis"):
            length = await self.window.length()
        async with dependency("postgres"):
            last = await latest_event(self.dsn)
        reference = self.references.current
        return DriftStatus(
            is_drift=bool(last and last.is_drift),
            p_values=last.p_values if last else {},
            threshold=corrected_threshold(self.references.p_value, len(FEATURE_NAMES)),
            window_observations=length,
            window_size=self.window.size,
            reference_version=reference.model_version if reference else None,
            reference_rows=len(reference.rows) if reference else 0,
            detector=self.references.backend,
            checked_at=last.checked_at if last else None,
        )

    async def events(self, limit: int, before_id: int | None) -> EventPage:
        """One page of checks, newest first."""
        async with dependency("postgres"):
            events = await list_events(self.dsn, limit, before_id)
        next_id = events[-1].id if len(events) == limit else None
        return EventPage(events=events, next_before_id=next_id)

    async def summary(self) -> ReferenceSummary:
        """Histograms of the reference and the current window, per feature."""
        reference = self._reference()
        window = await self._window_matrix()
        return ReferenceSummary(
            reference_version=reference.model_version,
            reference_rows=len(reference.rows),
            window_observations=len(window),
            features=summarize(reference.rows, window),
        )
