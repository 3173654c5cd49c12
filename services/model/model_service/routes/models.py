"""/models: the registry over HTTP, training jobs, promotion and rollback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

import psycopg
from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from model_service import registry
from model_service.dataset import feature_store_source
from model_service.jobs import TrainingJob, TrainingJobs
from model_service.registry import ModelVersion
from model_service.settings import Settings, get_settings
from model_service.train_run import train_and_register
from titanic_common.auth import admin_dependency
from titanic_common.errors import NotFoundError
from titanic_common.http import unavailable

router = APIRouter(prefix="/models", tags=["models"])

require_admin = admin_dependency(lambda: get_settings().ADMIN_TOKEN)
AdminDep = Annotated[None, Depends(require_admin)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
# model_versions.version is a PostgreSQL integer.
Version = Annotated[int, Path(ge=1, le=2**31 - 1)]


def get_connection(settings: SettingsDep) -> Iterator[psycopg.Connection]:
    """A short-lived registry connection; a down database is a fast 503."""
    try:
        conn = psycopg.connect(settings.DATABASE_URL, connect_timeout=2, autocommit=True)
    except psycopg.OperationalError as exc:
        raise unavailable("postgres", exc) from exc
    with conn:
        yield conn


def get_jobs(request: Request) -> TrainingJobs:
    return request.app.state.training_jobs


ConnDep = Annotated[psycopg.Connection, Depends(get_connection)]
JobsDep = Annotated[TrainingJobs, Depends(get_jobs)]


class ModelList(BaseModel):
    models: list[ModelVersion]


class JobAccepted(BaseModel):
    job_id: str
    status: Literal["queued", "running", "succeeded", "failed"]


class JobView(BaseModel):
    job_id: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: str
    result: dict[str, Any] | None
    error: str | None


class PromoteRequest(BaseModel):
    reason: str = Field(default="promoted by an administrator", min_length=1, max_length=500)


class RollbackRequest(BaseModel):
    reason: str = Field(default="rolled back by an administrator", min_length=1, max_length=500)


@router.get("", response_model=ModelList)
def list_models(conn: ConnDep, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> ModelList:
    """Model versions, newest first."""
    return ModelList(models=registry.list_versions(conn, limit))


@router.get("/production", response_model=ModelVersion)
def read_production_model(conn: ConnDep) -> ModelVersion:
    """The production model version."""
    found = registry.get_production(conn)
    if found is None:
        raise NotFoundError("no production model yet; POST /models/train to make one")
    return found


@router.post("/train", status_code=202, response_model=JobAccepted)
def start_training(_: AdminDep, jobs: JobsDep, settings: SettingsDep) -> JobAccepted:
    """Start a training run in the background; poll GET /models/train/{job_id}."""

    def train(progress: Any) -> Any:
        with feature_store_source(settings) as source:
            return train_and_register(settings, source, progress=progress)

    job = jobs.start(train)
    return JobAccepted(job_id=job.job_id, status=job.status)


@router.get("/train/{job_id}", response_model=JobView)
def read_training_job(job_id: str, jobs: JobsDep) -> JobView:
    """A training job's status, progress and result."""
    job: TrainingJob = jobs.get(job_id)
    return JobView(
        job_id=job.job_id,
        status=job.status,
        progress=job.progress,
        result=job.result.model_dump() if job.result else None,
        error=job.error,
    )


@router.post("/rollback", response_model=ModelVersion)
def rollback_model(_: AdminDep, conn: ConnDep, body: RollbackRequest | None = None) -> ModelVersion:
    """Restore the most recently archived production version."""
    return registry.rollback(conn, (body or RollbackRequest()).reason)


@router.get("/{version}", response_model=ModelVersion)
def read_model(version: Version, conn: ConnDep) -> ModelVersion:
    """One model version."""
    found = registry.get_version(conn, version)
    if found is None:
        raise NotFoundError(f"model version {version} does not exist")
    return found


@router.post("/{version}/promote", response_model=ModelVersion)
def promote_model(
    version: Version, _: AdminDep, conn: ConnDep, body: PromoteRequest | None = None
) -> ModelVersion:
    """Make a version production (the previous one is archived)."""
    return registry.promote(conn, version, (body or PromoteRequest()).reason)
