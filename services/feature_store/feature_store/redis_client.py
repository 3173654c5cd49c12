"""The Redis client with bounded timeouts, and how its outages reach HTTP clients."""

from __future__ import annotations

from typing import Any

import hiredis
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.asyncio import Redis
from redis.asyncio.connection import Connection
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from titanic_common.errors import error_body
from titanic_common.health import CheckResult, ReadinessCheck
from titanic_common.http import unavailable
from titanic_common.logging import get_logger

log = get_logger(__name__)
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


class HiredisPackingConnection(Connection):
    """An asyncio connection that packs each command with one hiredis call.

    redis.asyncio packs commands in pure Python, and redis-py's own hiredis serializer
    still walks every argument in a Python generator; a push sends tens of thousands of
    arguments, and packing them was most of its server time.
    """

    def pack_command(self, *args: Any) -> list[bytes]:  # type: ignore[override]
        command = args[0]
        if isinstance(command, str) and " " in command:  # e.g. "SCRIPT LOAD"
            args = (*command.split(), *args[1:])
        try:
            return [hiredis.pack_command(args)]
        except TypeError:  # bytearray/memoryview arguments: the library's own path
            return super().pack_command(*args)


def create_redis(url: str, timeout_seconds: float) -> Redis:
    """A client that fails fast: bounded socket timeouts and no retries.

    redis-py's default retries with exponential backoff would hold a request for
    seconds while Redis is down; the pool already replaces dead connections on checkout,
    so recovery after an outage needs no retry.
    """
    return Redis.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), 0),
        connection_class=HiredisPackingConnection,
    )


def redis_check(redis: Redis) -> ReadinessCheck:
    """Ready when Redis answers PING."""

    async def check() -> CheckResult:
        try:
            await redis.ping()
        except OUTAGE_ERRORS as exc:
            return CheckResult(False, f"redis unreachable ({type(exc).__name__})")
        return CheckResult(True)

    return check


async def _redis_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("redis_unavailable", path=request.url.path, reason=type(exc).__name__)
    error = unavailable("redis", exc)
    return JSONResponse(
        error_body(error.code, error.message, error.details),
        status_code=error.status_code,
        headers={"Retry-After": "1"},
    )


def install_redis_error_handler(app: FastAPI) -> None:
    """Answer 503 with the JSON error shape when Redis is down or too slow."""
    for error in (RedisConnectionError, RedisTimeoutError):
        app.add_exception_handler(error, _redis_unavailable)
