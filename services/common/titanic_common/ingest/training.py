"""Start a training job on the model service and wait for its outcome."""

from __future__ import annotations

import time
from typing import Literal

import httpx
from pydantic import BaseModel

from titanic_common.logging import get_logger

log = get_logger(__name__)

JobStatus = Literal["queued", "running", "succeeded", "failed"]
POLL_ERRORS_TOLERATED = 5


class TrainingResult(BaseModel):
    version: int | None = None
    promoted: bool = False
    reason: str | None = None
    metrics: dict = {}


class TrainingJob(BaseModel):
    """GET /models/train/{job_id}."""

    job_id: str
    status: JobStatus
    progress: str | None = None  # the model service reports a phrase, e.g. "searching"
    result: TrainingResult | None = None
    error: str | None = None


class TrainingFailedError(RuntimeError):
    """The model service ran the job and it failed; retrying the wait will not help."""


def start_training(client: httpx.Client) -> str:
    """POST /models/train; returns the job id."""
    response = client.post("/models/train")
    response.raise_for_status()
    job = TrainingJob.model_validate(response.json())
    log.info("training_started", job_id=job.job_id, status=job.status)
    return job.job_id


def wait_for_training(
    client: httpx.Client, job_id: str, poll_seconds: float = 2.0, timeout_seconds: float = 1800.0
) -> TrainingResult:
    """Poll until the job ends; TrainingFailedError on failure, TimeoutError past the limit."""
    deadline = time.monotonic() + timeout_seconds
    errors = 0
    while True:
        try:
            response = client.get(f"/models/train/{job_id}")
            response.raise_for_status()
            job = TrainingJob.model_validate(response.json())
            errors = 0
        except httpx.TransportError as exc:
            errors += 1  # a restart of the model service should not fail a long training
            if errors > POLL_ERRORS_TOLERATED:
                raise
            log.warning("training_poll_failed", job_id=job_id, error=type(exc).__name__)
        else:
            if job.status == "succeeded":
                result = job.result or TrainingResult()
                log.info(
                    "training_succeeded", job_id=job_id, **result.model_dump(exclude={"metrics"})
                )
                return result
            if job.status == "failed":
                raise TrainingFailedError(
                    f"training job {job_id} failed: {job.error or 'no reason given'}"
                )
            log.info("training_waiting", job_id=job_id, status=job.status, progress=job.progress)
        if time.monotonic() > deadline:
            raise TimeoutError(f"training job {job_id} did not finish in {timeout_seconds:.0f}s")
        time.sleep(poll_seconds)
