"""Training jobs: one at a time, progress, result or a clear error."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from model_service.jobs import TrainingJobs
from model_service.train_run import Progress, TrainResult
from titanic_common.errors import ConflictError, DependencyUnavailableError, NotFoundError

RESULT = TrainResult(version=3, promoted=False, reason="worse", metrics={"roc_auc": 0.9})


def test_a_job_reports_progress_then_its_result() -> None:
    executor = ThreadPoolExecutor(max_workers=1)
    jobs = TrainingJobs(executor)
    started, release = threading.Event(), threading.Event()
    seen: list[str] = []
    job_ids: list[str] = []

    def train(progress: Progress) -> TrainResult:
        started.wait(30)
        progress("searching")
        seen.append(jobs.get(job_ids[0]).progress)
        release.wait(30)
        return RESULT

    job = jobs.start(train)
    job_ids.append(job.job_id)
    started.set()
    assert job.status == "queued"
    with pytest.raises(ConflictError, match="still"):
        jobs.start(train)

    release.set()
    executor.shutdown(wait=True)

    done = jobs.get(job.job_id)
    assert seen == ["searching"]
    assert done.status == "succeeded" and done.result == RESULT and done.error is None
    assert done.finished_at is not None


def test_a_failed_job_says_why_and_frees_the_slot() -> None:
    executor = ThreadPoolExecutor(max_workers=1)
    jobs = TrainingJobs(executor)

    def train(progress: Progress) -> TrainResult:
        raise DependencyUnavailableError("feature-store is unavailable")

    job = jobs.start(train)
    executor.shutdown(wait=True)

    failed = jobs.get(job.job_id)
    assert failed.status == "failed" and failed.result is None
    assert failed.error == "feature-store is unavailable"
    assert TrainingJobs(ThreadPoolExecutor(1)).start(lambda p: RESULT).status == "queued"


def test_unknown_job_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="training job nope does not exist"):
        TrainingJobs().get("nope")
