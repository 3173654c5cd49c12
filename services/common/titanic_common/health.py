"""Readiness checks: each says whether one dependency is usable and, if not, why."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import psycopg


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str = "ok"


ReadinessCheck = Callable[[], Awaitable[CheckResult]]

CHECK_TIMEOUT_SECONDS = 1.0


async def run_checks(checks: dict[str, ReadinessCheck]) -> dict[str, CheckResult]:
    """Run every check concurrently, each bounded so readiness never hangs."""

    async def bounded(check: ReadinessCheck) -> CheckResult:
        try:
            return await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
        except TimeoutError:
            return CheckResult(False, f"no answer within {CHECK_TIMEOUT_SECONDS:g}s")
        except Exception as exc:
            return CheckResult(False, f"{type(exc).__name__}: {exc}".strip()[:200])

    names = list(checks)
    results = await asyncio.gather(*(bounded(checks[n]) for n in names))
    return dict(zip(names, results, strict=True))


def postgres_check(dsn: str) -> ReadinessCheck:
    """Ready when a connection to `dsn` answers SELECT 1."""

    async def check() -> CheckResult:
        try:
            conn = await psycopg.AsyncConnection.connect(dsn, connect_timeout=1)
        except psycopg.OperationalError as exc:
            return CheckResult(False, f"cannot connect: {str(exc).splitlines()[0][:160]}")
        async with conn:
            await conn.execute("SELECT 1")
        return CheckResult(True)

    return check


def http_check(client: httpx.AsyncClient, path: str = "/healthz") -> ReadinessCheck:
    """Ready when an upstream service answers `path` with 2xx."""

    async def check() -> CheckResult:
        try:
            response = await client.get(path, timeout=1.0)
        except httpx.HTTPError as exc:
            return CheckResult(False, f"{client.base_url} unreachable ({type(exc).__name__})")
        if response.is_success:
            return CheckResult(True)
        return CheckResult(False, f"{client.base_url}{path} answered {response.status_code}")

    return check
