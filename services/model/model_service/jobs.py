"""Training jobs for the HTTP API: one at a time, run in a worker thread, polled by id."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import UTC, datetime
from threading import Lock
from typing import Literal

from pydantic import BaseModel

from model_service.train_run import Progress, TrainResult
from titanic_common.errors import AppError, ConflictError, NotFoundError
from titanic_common.logging import get_logger

log = get_logger(__name__)

JobStatus = Literal["queued", "running", "succeeded", "failed"]
KEEP_JOBS = 50
TrainFunction = Callable[[Progress], TrainResult]


class TrainingJob(BaseModel):
    job_id: str
    status: JobStatus
    progress: str
    result: TrainResult | None = None
    error: str | None = None
    created_at: datetime
    finished_at: datetime | None = None


class TrainingJobs:
    """In-memory job table (a restart forgets finished jobs; the registry keeps models)."""

    def __init__(self, executor: Executor | None = None):
        # One worker: CPU is shared with serving, and two searches would only slow both.
        self._executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="train")
        self._jobs: OrderedDict[str, TrainingJob] = OrderedDict()
        self._lock = Lock()

    def start(self, train: TrainFunction) -> TrainingJob:
        """Queue a run; ConflictError while another one is queued or running."""
        with self._lock:
            active = [j for j in self._jobs.values() if j.status in ("queued", "running")]
            if active:
                raise ConflictError(
                    f"training job {active[0].job_id} is still {active[0].status}",
                    details={"job_id": active[0].job_id},
                )
            job = TrainingJob(
                job_id=uuid.uuid4().hex,
                status="queued",
                progress="queued",
                created_at=datetime.now(UTC),
            )
            self._jobs[job.job_id] = job
            while len(self._jobs) > KEEP_JOBS:
                self._jobs.popitem(last=False)
        self._executor.submit(self._run, job.job_id, train)
        log.info("training_job_queued", job_id=job.job_id)
        return job.model_copy()

    def get(self, job_id: str) -> TrainingJob:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise NotFoundError(f"training job {job_id} does not exist")
            return job.model_copy()

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            self._jobs[job_id] = self._jobs[job_id].model_copy(update=changes)

    def _run(self, job_id: str, train: TrainFunction) -> None:
        self._update(job_id, status="running", progress="starting")
        try:
            result = train(lambda message: self._update(job_id, progress=message))
        except AppError as exc:
            self._fail(job_id, exc.message)
        except Exception as exc:
            log.exception("training_job_crashed", job_id=job_id)
            self._fail(job_id, f"{type(exc).__name__}: {exc}"[:500])
        else:
            self._update(
                job_id,
                status="succeeded",
                progress="done",
                result=result,
                finished_at=datetime.now(UTC),
            )
            log.info("training_job_succeeded", job_id=job_id, version=result.version)

    def _fail(self, job_id: str, message: str) -> None:
        self._update(
            job_id, status="failed", progress="failed", error=message, finished_at=datetime.now(UTC)
        )
        log.warning("training_job_failed", job_id=job_id, error=message)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
