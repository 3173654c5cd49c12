"""One ASGI pass per request: request id, body-size limit and HTTP metrics.

These were three middlewares (asgi-correlation-id, our body limit and
prometheus-fastapi-instrumentator); each wrapped `send` and `receive` again and the
instrumentator matched every route a second time to name the handler. Together they
took about a third of a small endpoint's throughput (benchmarks/RESULTS.md, model
service), so they are one pass here, reading the matched route from the scope. The
three metric families the rules and dashboards use keep the instrumentator's names and
labels; its request and response size histograms were dropped (nothing read them).
"""

from __future__ import annotations

import re
import time
from functools import cache

import orjson
from prometheus_client import Counter, Histogram
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from titanic_common.context import request_id
from titanic_common.errors import error_body
from titanic_common.ids import request_id as new_request_id

REQUEST_ID_HEADER = b"x-request-id"
# An incoming id is reused only if it cannot smuggle anything into logs or headers.
_SAFE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
UNTEMPLATED = "none"
NOT_MEASURED = frozenset({"/metrics", "/healthz", "/readyz"})

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "Requests by handler, method and status.",
    ["handler", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Request duration by handler and method (few buckets: keep the label sets cheap).",
    ["handler", "method"],
    buckets=(0.1, 0.5, 1),
)
HTTP_LATENCY_HIGHR = Histogram(
    "http_request_duration_highr_seconds",
    "Request duration of all handlers, fine buckets, for quantiles.",
    buckets=(
        0.001,
        0.0025,
        0.005,
        0.01,
        0.025,
        0.05,
        0.075,
        0.1,
        0.25,
        0.5,
        0.75,
        1,
        1.5,
        2,
        2.5,
        3,
        3.5,
        4,
        4.5,
        5,
        7.5,
        10,
        30,
        60,
    ),
)


class RequestMiddleware:
    """Give every HTTP request an id (X-Request-ID, reused when safe), answer 413 when the
    body exceeds `max_bytes` (declared or streamed), and count and time it by route."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming, declared = _read_headers(scope)
        rid = incoming or new_request_id()
        request_id.set(rid)
        rid_header = (REQUEST_ID_HEADER, rid.encode())
        status = 500
        seen = 0
        too_large = False
        replaced = False

        async def limited_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal status, replaced
            if too_large:
                # App code may swallow BodyTooLarge and answer 400 or 422; whatever it
                # answers after the limit was crossed becomes the 413.
                if not replaced:
                    replaced = True
                    status = 413
                    await self._reject(send, rid_header)
                return
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", ())
                # The 500 handler sets the id itself (Starlette sends that response
                # outside this middleware on FastAPI's path); never send it twice.
                if not any(name.lower() == REQUEST_ID_HEADER for name, _ in headers):
                    message["headers"] = [*headers, rid_header]
            await send(message)

        try:
            if declared is not None and declared > self.max_bytes:
                status = 413
                await self._reject(send, rid_header)
                return
            # A body framed by its Content-Length cannot outgrow it: the server reads no
            # more (httptools and h11 alike). Counting is for chunked bodies, including
            # requests that declare both, which h11 frames by the chunks.
            counted = receive if declared is not None else limited_receive
            await self.app(scope, counted, tracking_send)
        except BodyTooLarge:
            if not replaced:
                status = 413
                await self._reject(send, rid_header)
        finally:
            _observe(scope, status, time.perf_counter() - started)

    async def _reject(self, send: Send, rid_header: tuple[bytes, bytes]) -> None:
        body = orjson.dumps(
            error_body("payload_too_large", f"request body exceeds {self.max_bytes} bytes")
        )
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            rid_header,
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _read_headers(scope: Scope) -> tuple[str | None, int | None]:
    """The incoming request id (the first X-Request-ID, if safe to reuse) and the length
    the body is framed by: the Content-Length, or None when absent, not a number, or
    overridden by a Transfer-Encoding."""
    incoming: str | None = None
    declared: int | None = None
    seen_id = seen_length = chunked = False
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER and not seen_id:
            seen_id = True
            incoming = value.decode("ascii") if _SAFE_ID.fullmatch(value) else None
        elif name == b"content-length" and not seen_length:
            seen_length = True
            declared = int(value) if value.isdigit() else None
        elif name == b"transfer-encoding":
            chunked = True
    return incoming, None if chunked else declared


def _handler(scope: Scope) -> str:
    """The route template that served the request, or 'none' for unknown paths."""
    # FastAPI's router leaves its matched route in the scope: no second lookup on the
    # hot path. Mounts (/static), the docs routes and refused requests are matched here.
    route = scope.get("route")
    if route is not None:
        return route.path
    app = scope.get("app")
    for candidate in getattr(getattr(app, "router", None), "routes", ()):
        path = getattr(candidate, "path", None)
        if path and candidate.matches(scope)[0] == Match.FULL:
            return path
    return UNTEMPLATED


def _observe(scope: Scope, status: int, seconds: float) -> None:
    handler = _handler(scope)
    if handler in NOT_MEASURED:
        return
    count, latency = _series(handler, scope["method"], status)
    count.inc()
    latency.observe(seconds)
    HTTP_LATENCY_HIGHR.observe(seconds)


@cache
def _series(handler: str, method: str, status: int) -> tuple[Counter, Histogram]:
    # labels() hashes and locks on every call; routes x methods x statuses is small.
    return HTTP_REQUESTS.labels(handler, method, str(status)), HTTP_LATENCY.labels(handler, method)


class BodyTooLarge(Exception):
    """Raised from `receive` once a body passes the limit; this middleware answers 413.
    Code between must let it through (or whatever it answers becomes the 413)."""
