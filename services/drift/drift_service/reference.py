"""Reference data: the production model's training features, and the detector fitted
on them.

The registry row of the production model (model_versions) names the feature view and
version it was trained on; its rows are streamed from the feature store's export. A
poller reloads them when another version is promoted. Tests may hand rows in directly.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import psycopg
from pydantic import ValidationError

from drift_service.detectors import Backend, Detector, build_detector
from drift_service.encoding import encode
from titanic_common.feature_client import AsyncFeatureStoreClient
from titanic_common.features import FEATURE_NAMES, FEATURE_VIEW_VERSION, PassengerFeatures
from titanic_common.logging import get_logger

log = get_logger(__name__)

NO_PRODUCTION_MODEL = "reference data not loaded: no production model yet"
MIN_REFERENCE_ROWS = 20


@dataclass(frozen=True)
class ProductionModel:
    """The lineage fields of the production row in model_versions."""

    version: int
    feature_view: str
    feature_view_version: int
    training_rows: int


@dataclass(frozen=True)
class Reference:
    """Encoded reference rows and the detector fitted on them."""

    model_version: int | None
    rows: np.ndarray
    detector: Detector
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))


async def production_model(dsn: str) -> ProductionModel | None:
    """The production model's lineage, or None before anything is promoted."""
    async with await psycopg.AsyncConnection.connect(dsn, connect_timeout=2) as conn:
        cur = await conn.execute(
            """SELECT version, feature_view, feature_view_version, training_rows
               FROM model_versions WHERE status = 'production'"""
        )
        row = await cur.fetchone()
    return ProductionModel(*row) if row else None


def parse_export_row(row: dict) -> PassengerFeatures:
    """An export line ({passenger_id, <features>, event_timestamp}) as features."""
    return PassengerFeatures.model_validate({k: row.get(k) for k in FEATURE_NAMES})


async def export_rows(feature_store_url: str, model: ProductionModel) -> AsyncIterator[dict]:
    """Stream the model's feature view from the feature store's NDJSON export."""
    # The export serves the view's latest version; load_model warns when that is not
    # the version the model was trained on.
    async with AsyncFeatureStoreClient(feature_store_url, feature_view=model.feature_view) as fs:
        async for row in fs.iter_export():
            yield row


class ReferenceHolder:
    """The current reference (one per process) and why it is not ready, if it is not."""

    def __init__(self, backend: Backend, p_value: float) -> None:
        self.backend = backend
        self.p_value = p_value
        self.current: Reference | None = None
        self.problem: str = NO_PRODUCTION_MODEL
        self.detector_loaded = False

    async def preload_detector(self) -> None:
        """Import the detector library ahead of the first reference (alibi takes seconds)."""
        module = "alibi_detect.cd" if self.backend == "alibi" else "scipy.stats"
        await asyncio.to_thread(importlib.import_module, module)
        self.detector_loaded = True

    async def use_rows(
        self, rows: Iterable[PassengerFeatures | dict], model_version: int | None
    ) -> Reference:
        """Fit a detector on `rows` and make them the reference."""
        matrix = encode(rows)
        if len(matrix) < MIN_REFERENCE_ROWS:
            raise ValueError(f"{len(matrix)} reference rows; at least {MIN_REFERENCE_ROWS} needed")
        detector = await asyncio.to_thread(build_detector, self.backend, matrix, self.p_value)
        self.current = Reference(model_version, matrix, detector)
        self.detector_loaded = True
        self.problem = ""
        log.info("reference_loaded", model_version=model_version, rows=len(matrix))
        return self.current

    async def load_model(self, model: ProductionModel, feature_store_url: str) -> Reference:
        """Load the model's training features from the feature store."""
        if model.feature_view_version != FEATURE_VIEW_VERSION:
            log.warning("reference_view_version", model=model.feature_view_version)
        rows: list[PassengerFeatures] = []
        invalid = 0
        async for row in export_rows(feature_store_url, model):
            try:
                rows.append(parse_export_row(row))
            except ValidationError:
                invalid += 1
        if invalid or len(rows) != model.training_rows:
            log.warning(
                "reference_rows_differ",
                model_version=model.version,
                training_rows=model.training_rows,
                exported=len(rows),
                invalid=invalid,
            )
        return await self.use_rows(rows, model.version)

    async def refresh(self, dsn: str, feature_store_url: str) -> bool:
        """Reload when the production version changed; True when a reload happened."""
        try:
            model = await production_model(dsn)
        except psycopg.Error as exc:
            if self.current is None:
                self.problem = f"reference data not loaded: registry unreachable ({exc})"[:300]
            raise
        if model is None:
            if self.current is None:
                self.problem = NO_PRODUCTION_MODEL
            return False
        if self.current is not None and self.current.model_version == model.version:
            return False
        try:
            await self.load_model(model, feature_store_url)
        except Exception as exc:
            self.problem = f"reference for model version {model.version} not loaded: {exc}"[:300]
            raise
        return True

    async def poll(self, dsn: str, feature_store_url: str, interval: float) -> None:
        """Refresh forever; failures are logged and retried at the next tick."""
        while True:
            try:
                await self.refresh(dsn, feature_store_url)
            except Exception as exc:
                log.warning("reference_refresh_failed", error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(interval)
