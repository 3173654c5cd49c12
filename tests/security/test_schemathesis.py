"""Hostile input: schemathesis generates requests from each service's OpenAPI schema.
No answer may be a 5xx, and every answer must match the schema it documents."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.conftest import ADMIN_TOKEN
from tests.support.procs import Service
from tests.support.services import SERVICES

MIN_CASES = 500
# Starting a training job per generated case would spend minutes of CPU; the training
# route's validation is covered by tests/model.
SKIPPED = {("POST", "/models/train")}
CHECKS = (not_a_server_error, response_schema_conformance)


def _runner(
    operation: schemathesis.APIOperation,
    base_url: str,
    examples: int,
    sent: list[int],
    failures: list[str],
    round_: int,
):
    name = f"{operation.method.upper()} {operation.path}"

    @seed(round_)
    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        headers = {**(case.headers or {}), "Authorization": f"Bearer {ADMIN_TOKEN}"}
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        sent.append(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # collect all, not just the first
            failures.append(f"{name}: {exc}"[:800])

    return run


def fuzz(base_url: str, min_cases: int) -> tuple[int, list[str]]:
    """Send at least `min_cases` generated requests; returns (count, failures)."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if (result.ok().method.upper(), result.ok().path) not in SKIPPED
    ]
    per_operation = min_cases // len(operations) + 1
    sent: list[int] = []
    failures: list[str] = []
    # Operations without parameters yield one distinct case; rounds with other seeds
    # make up the count.
    for round_ in range(20):
        for operation in operations:
            _runner(operation, base_url, per_operation, sent, failures, round_)()
        if len(sent) >= min_cases:
            break
    return len(sent), failures


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(SERVICES))
def test_generated_requests_never_get_a_server_error(
    stack_services: dict[str, Service], script: str
) -> None:
    sent, failures = fuzz(stack_services[script].url, MIN_CASES)
    assert sent >= MIN_CASES
    assert failures == [], "\n".join(failures[:10])
