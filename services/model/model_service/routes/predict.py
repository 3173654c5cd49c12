"""POST /predict and POST /predict/batch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import Counter
from pydantic import BaseModel

from model_service.feed import FeedConfig, PredictionFeed, PredictionRecord
from model_service.metrics import PREDICTIONS
from model_service.predictor import (
    NO_MODEL,
    LoadedModel,
    ModelHolder,
    load_model,
    registry_fetcher,
)
from model_service.routes.fast_route import JsonBodyRoute
from model_service.schemas import (
    UNION_TAGS,
    BatchPredictionOut,
    BatchPredictRequest,
    ExplanationOut,
    PassengerAttributes,
    PassengerRef,
    PredictionOut,
    PredictRequest,
)
from titanic_common.errors import AppError, DependencyUnavailableError, NotFoundError
from titanic_common.feature_client import AsyncFeatureStoreClient
from titanic_common.features import FEATURE_NAMES, PassengerFeatures, compute_features
from titanic_common.http import async_client
from titanic_common.ids import prediction_id

SURVIVED_THRESHOLD = 0.5


class PredictRoute(JsonBodyRoute):
    """Prediction routes: 422 locations without pydantic's union tags."""

    hidden_location_parts = UNION_TAGS


router = APIRouter(tags=["predictions"], route_class=PredictRoute)


class Serving(NamedTuple):
    """What one prediction request works with (a tuple: made once per request)."""

    model: LoadedModel
    feed: PredictionFeed
    features: AsyncFeatureStoreClient


def serving(request: Request) -> Serving:
    """The model served right now (read once, so a swap never splits a request), the feed
    and the feature-store client; 503 before any model is loaded."""
    state = request.app.state
    model = state.model_holder.current
    if model is None:
        raise DependencyUnavailableError(NO_MODEL, details={"dependency": "model"})
    return Serving(model, state.prediction_feed, state.feature_client)


ExplainQuery = Annotated[bool, Query(description="Add per-feature contributions")]


async def resolve_features(
    passengers: Sequence[PassengerAttributes | PassengerRef], client: AsyncFeatureStoreClient
) -> list[PassengerFeatures]:
    """Features per passenger: computed from attributes, or read from the feature store."""
    ids = [p.passenger_id for p in passengers if isinstance(p, PassengerRef)]
    stored = await client.get_batch_features(ids) if ids else {}
    missing = sorted({i for i in ids if stored.get(i) is None})
    if missing:
        raise NotFoundError(
            f"unknown passenger_id: {', '.join(map(str, missing[:20]))}",
            details={"passenger_ids": missing},
        )
    return [
        PassengerFeatures.model_validate(
            {k: v for k, v in stored[p.passenger_id].items() if k in FEATURE_NAMES}
        )
        if isinstance(p, PassengerRef)
        else compute_features(p)
        for p in passengers
    ]


@cache
def _prediction_count(version: int, outcome: str, source: str) -> Counter:
    """The prediction_count_total series, looked up once per label set."""
    return PREDICTIONS.labels(str(version), outcome, source)


async def score(
    serve: Serving, rows: list[PassengerFeatures], explain: bool, source: str
) -> list[PredictionOut]:
    """Predict, optionally explain, count, and hand the records to the feed."""
    model = serve.model
    probabilities = await model.predict(rows)
    explanations = await run_in_threadpool(model.explain, rows) if explain else None
    now = datetime.now(UTC)
    outs, records = [], []
    for i, (row, probability) in enumerate(zip(rows, probabilities, strict=True)):
        survived = probability >= SURVIVED_THRESHOLD
        out = PredictionOut(
            survival_probability=probability,
            survived=survived,
            model_version=model.version,
            prediction_id=prediction_id(),
            explanation=ExplanationOut(
                base_value=explanations[i].base_value,
                contributions=explanations[i].contributions,
            )
            if explanations
            else None,
        )
        outs.append(out)
        records.append(
            PredictionRecord(
                out.prediction_id, now, model.version, row.model_dump(), probability, source
            )
        )
        _prediction_count(model.version, "survived" if survived else "died", source).inc()
    serve.feed.submit(records)
    return outs


async def _with_error_count(
    serve: Serving, source: str, passengers: Sequence[PassengerAttributes | PassengerRef]
) -> list[PassengerFeatures]:
    """resolve_features, counting a failure (unknown id, feature store down) as an error."""
    try:
        return await resolve_features(passengers, serve.features)
    except AppError:
        _prediction_count(serve.model.version, "error", source).inc()
        raise


class ModelJSONResponse(JSONResponse):
    """A response model serialised once, in Rust; without `explanation` unless asked."""

    def render(self, content: BaseModel) -> bytes:
        return content.model_dump_json(exclude_none=True).encode()


# The routes return already-validated models, so FastAPI's response_model pass (validate
# again, then encode in Python) is skipped; the models still document the responses.
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown passenger_id"},
    503: {"description": "No production model yet, or the feature store is down"},
}


@router.post(
    "/predict",
    response_class=ModelJSONResponse,
    responses={200: {"model": PredictionOut}, **ERRORS},
)
async def predict_passenger(
    body: PredictRequest, request: Request, explain: ExplainQuery = False
) -> ModelJSONResponse:
    """Predict survival for one passenger, by raw attributes or passenger_id."""
    serve = serving(request)
    source = "passenger_id" if isinstance(body, PassengerRef) else "raw"
    rows = await _with_error_count(serve, source, [body])
    (out,) = await score(serve, rows, explain or body.explain, source)
    return ModelJSONResponse(out)


@router.post(
    "/predict/batch",
    response_class=ModelJSONResponse,
    responses={200: {"model": BatchPredictionOut}, **ERRORS},
)
async def predict_batch(
    body: BatchPredictRequest, request: Request, explain: ExplainQuery = False
) -> ModelJSONResponse:
    """Predict survival for up to 1000 passengers in one call, all with one model version."""
    serve = serving(request)
    rows = await _with_error_count(serve, "batch", body.passengers)
    wants = explain or body.explain or any(p.explain for p in body.passengers)
    outs = await score(serve, rows, wants, "batch")
    version = serve.model.version
    return ModelJSONResponse(BatchPredictionOut(model_version=version, predictions=outs))


def feed_config(settings: Any) -> FeedConfig:
    """Feed limits from the service settings."""
    return FeedConfig(
        queue_size=settings.FEED_QUEUE_SIZE,
        batch_size=settings.FEED_BATCH_SIZE,
        flush_seconds=settings.FEED_FLUSH_SECONDS,
        retry_max_seconds=settings.FEED_RETRY_MAX_SECONDS,
        shutdown_seconds=settings.FEED_SHUTDOWN_SECONDS,
    )


@asynccontextmanager
async def prediction_state(app: FastAPI) -> AsyncIterator[None]:
    """Model holder, feature-store client and feed for the prediction routes; the feed is
    flushed on the way out. Used inside the service lifespan."""
    settings = app.state.settings
    timeout = settings.HTTP_TIMEOUT_SECONDS
    # The first load runs in the poller: the process answers /healthz at once and
    # /readyz says what is loading.
    holder = ModelHolder(registry_fetcher(settings.DATABASE_URL), load_model)
    feed = PredictionFeed(
        # Off the request path, so a slow drift service gets time rather than a resend.
        async_client(
            settings.DRIFT_URL,
            timeout=settings.FEED_SEND_TIMEOUT_SECONDS,
            headers={"Authorization": f"Bearer {settings.service_token()}"},
        ),
        settings.DATABASE_URL,
        feed_config(settings),
    )
    # Online lookups are public reads: the prediction path holds no admin token.
    client = AsyncFeatureStoreClient(settings.FEATURE_STORE_URL, timeout=timeout)
    app.state.model_holder = holder
    app.state.prediction_feed = feed
    app.state.feature_client = client
    app.state.readiness_checks["model"] = holder.readiness
    feed.start()
    poller = asyncio.create_task(holder.poll(settings.MODEL_POLL_SECONDS), name="model-poll")
    try:
        yield
    finally:
        poller.cancel()
        await asyncio.gather(poller, return_exceptions=True)
        await feed.close()
        await client.aclose()
