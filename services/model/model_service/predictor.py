"""The model being served: loaded at start, swapped atomically when the registry changes.

Request handlers read `holder.current` once and use that object to the end, so a swap
never affects a request in flight. A production version whose artifact is missing or
corrupt is not swapped in: the current model keeps serving and readiness, the log and
model_load_failures_total say why.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import psycopg
from sklearn.pipeline import Pipeline

from model_service import artifacts, registry
from model_service.explain import Explanation, ExplanationUnavailableError, TreeExplainer
from model_service.inference import OnnxModel
from model_service.metrics import MODEL_LOAD_FAILURES, record_model
from titanic_common.features import PassengerFeatures
from titanic_common.health import CheckResult
from titanic_common.logging import get_logger

log = get_logger(__name__)

NO_MODEL = "no production model yet; run `make train` (or POST /models/train) to make one"


@dataclass(frozen=True)
class ProductionRef:
    """What the registry says production is."""

    version: int
    algorithm: str
    artifact_uri: str
    artifact_sha256: str

    @classmethod
    def from_row(cls, row: Any) -> ProductionRef:
        """From a registry row, whether a mapping or an object with attributes."""
        get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
        return cls(
            version=int(get("version")),
            algorithm=str(get("algorithm")),
            artifact_uri=str(get("artifact_uri")),
            artifact_sha256=str(get("artifact_sha256")),
        )


class LoadedModel:
    """A production version ready to serve: ONNX session, sklearn pipeline, explainer."""

    def __init__(self, ref: ProductionRef, onnx: OnnxModel, pipeline: Pipeline):
        self.ref = ref
        self.version = ref.version
        self.algorithm = ref.algorithm
        self.onnx = onnx
        self.pipeline = pipeline

    @cached_property
    def explainer(self) -> TreeExplainer:
        """Built on first use: most requests never ask for an explanation."""
        return TreeExplainer(self.pipeline)

    async def predict(self, rows: Sequence[PassengerFeatures]) -> list[float]:
        """Survival probability per row, through ONNX Runtime (concurrent calls coalesced)."""
        return [float(p) for p in await self.onnx.predict_proba_coalesced(rows)]

    def explain(self, rows: Sequence[PassengerFeatures]) -> list[Explanation]:
        """Per-feature contributions per row, from the sklearn pipeline (slower: thread it)."""
        return self.explainer.explain(rows)


FetchProduction = Callable[[], Awaitable[ProductionRef | None]]
LoadModel = Callable[[ProductionRef], LoadedModel]


class ModelHolder:
    """Holds the served model and keeps it in step with the registry."""

    def __init__(
        self,
        fetch_production: FetchProduction,
        load_model: LoadModel,
        retry_failed_seconds: float = 60.0,
    ):
        self._fetch = fetch_production
        self._load = load_model
        self._retry_failed_seconds = retry_failed_seconds
        self.current: LoadedModel | None = None
        self.failure: str | None = None
        self._failed_ref: ProductionRef | None = None
        self._failed_at = 0.0
        self.loading: ProductionRef | None = None
        self.registry_error: str | None = None

    async def refresh(self) -> None:
        """Load the registry's production version if it is not the one being served."""
        try:
            ref = await self._fetch()
        except Exception as exc:
            # The registry being briefly unreachable must not stop serving.
            self.registry_error = f"registry unreachable: {type(exc).__name__}: {exc}"[:200]
            log.warning("registry_unreachable", error=self.registry_error)
            return
        self.registry_error = None
        if ref is None or self._recently_failed(ref):
            return
        if self.current is not None and self.current.ref == ref:
            return
        await self._swap_to(ref)

    def _recently_failed(self, ref: ProductionRef) -> bool:
        # A broken artifact may be re-uploaded, so it is retried, but not on every poll.
        age = time.monotonic() - self._failed_at
        return ref == self._failed_ref and age < self._retry_failed_seconds

    async def _swap_to(self, ref: ProductionRef) -> None:
        self.loading = ref
        try:
            model = await asyncio.to_thread(self._load, ref)
        except Exception as exc:
            self.loading = None
            self._failed_ref = ref
            self._failed_at = time.monotonic()
            self.failure = f"version {ref.version} failed to load: {type(exc).__name__}: {exc}"
            MODEL_LOAD_FAILURES.labels(version=str(ref.version)).inc()
            served = self.current.version if self.current else None
            log.error(
                "model_load_failed",
                version=ref.version,
                served_version=served,
                error=self.failure[:300],
            )
            return
        previous = self.current.version if self.current else None
        self.current = model
        self.loading = None
        self.failure = None
        self._failed_ref = None
        record_model(model.version, model.algorithm)
        log.info(
            "model_swapped",
            version=model.version,
            previous_version=previous,
            algorithm=model.algorithm,
        )

    async def poll(self, every_seconds: float) -> None:
        """Refresh now and then every `every_seconds`, forever; cancelled at shutdown."""
        while True:
            await self.refresh()
            await asyncio.sleep(every_seconds)

    async def readiness(self) -> CheckResult:
        """Ready only with a model loaded; the detail names the version or the problem."""
        if self.current is None:
            if self.loading is not None:
                return CheckResult(False, f"loading production version {self.loading.version}")
            return CheckResult(False, self.failure or self.registry_error or NO_MODEL)
        detail = f"serving version {self.current.version}"
        if self.failure:
            detail += f"; {self.failure}"
        return CheckResult(True, detail)


def registry_fetcher(dsn: str) -> FetchProduction:
    """Ask the registry (model_versions) which version is in production."""

    def read() -> ProductionRef | None:
        with psycopg.connect(dsn, connect_timeout=2) as conn:
            row = registry.get_production(conn)
        return None if row is None else ProductionRef.from_row(row)

    async def fetch() -> ProductionRef | None:
        return await asyncio.to_thread(read)

    return fetch


def load_model(ref: ProductionRef) -> LoadedModel:
    """Read a version's ONNX graph and sklearn pipeline, both checked against sha256s."""
    onnx_bytes = artifacts.load_onnx(ref.artifact_uri, ref.artifact_sha256)
    pipeline = artifacts.load_pipeline(ref.artifact_uri, ref.artifact_sha256)
    model = LoadedModel(ref, OnnxModel(onnx_bytes), pipeline)
    # Built here, off the request path, so the first explain=true request is not slow;
    # a model that cannot be explained still serves predictions.
    with contextlib.suppress(ExplanationUnavailableError):
        _ = model.explainer
    return model
