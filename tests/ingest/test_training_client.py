"""Waiting for a training job (pure logic over a scripted model-service transport)."""

from __future__ import annotations

import httpx
import pytest

from titanic_common.ingest.training import (
    TrainingFailedError,
    start_training,
    wait_for_training,
)


def scripted(statuses: list[dict]) -> httpx.Client:
    """A client whose GETs answer `statuses` in turn; POST starts job j1."""
    answers = iter(statuses)

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            assert request.url.path == "/models/train"
            return httpx.Response(202, json={"job_id": "j1", "status": "queued"})
        assert request.url.path == "/models/train/j1"
        return httpx.Response(200, json=next(answers))

    return httpx.Client(base_url="http://model", transport=httpx.MockTransport(handle))


def job(status: str, **extra) -> dict:
    return {"job_id": "j1", "status": status, "progress": None, "result": None, "error": None,
            **extra}  # fmt: skip


def test_waits_through_running_and_returns_the_result() -> None:
    result = {"version": 3, "promoted": True, "reason": "better", "metrics": {"f1": 0.8}}
    client = scripted(
        [
            job("queued"),
            job("running", progress="searching 1047 development rows"),
            job("succeeded", result=result),
        ]
    )
    assert start_training(client) == "j1"
    outcome = wait_for_training(client, "j1", poll_seconds=0.001)
    assert (outcome.version, outcome.promoted) == (3, True)


def test_a_failed_job_fails_loudly_with_its_error() -> None:
    client = scripted([job("running"), job("failed", error="only one class in labels")])
    with pytest.raises(TrainingFailedError, match="only one class"):
        wait_for_training(client, "j1", poll_seconds=0.001)


def test_a_job_that_never_ends_times_out() -> None:
    client = scripted([job("running")] * 1000)
    with pytest.raises(TimeoutError, match="did not finish"):
        wait_for_training(client, "j1", poll_seconds=0.001, timeout_seconds=0.01)
