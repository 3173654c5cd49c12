"""A short path through the app for routes that serve their own requests.

FastAPI 0.165 runs every request through its telemetry check, two body-limit layers,
Starlette's error and exception middleware, an exit-stack layer, included-router
matching and the per-route request/response wrapper. For a one-row prediction that is
more CPU than the prediction (benchmarks/RESULTS.md, model service). A route that
exposes `direct_handler` (a `Request -> Response` coroutine that validates its own
input, like `JsonBodyRoute`) is served here instead: exact method and path match, our
`RequestMiddleware` (request id, 413, HTTP metrics) around it, and the app's own
exception handlers for errors. The route stays a FastAPI route, so OpenAPI, `/docs` and
any other path behave as before.

What such routes do not get: middleware added to the app after it was built, FastAPI
dependencies (`JsonBodyRoute` refuses them anyway) and FastAPI's native OpenTelemetry
spans (unconfigured in this project).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from titanic_common.middleware import BodyTooLarge, RequestMiddleware

DirectHandler = Callable[[Request], Awaitable[Response]]


def direct_routes(routers: Iterable[APIRouter]) -> dict[tuple[str, str], Any]:
    """(method, path) -> route, for the routes of `routers` that serve themselves."""
    table: dict[tuple[str, str], Any] = {}
    for router in routers:
        for route in router.routes:
            handler = getattr(route, "direct_handler", None)
            if handler is None:
                continue
            for method in route.methods:
                table[(method, route.path)] = route  # the path includes the prefix
    return table


class DirectApp(FastAPI):
    """FastAPI, with the short path for self-serving routes (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._direct: dict[tuple[str, str], Any] = {}
        self._direct_stack: Callable[[Scope, Receive, Send], Awaitable[None]] | None = None

    def serve_directly(self, routes: dict[tuple[str, str], Any], max_body_bytes: int) -> None:
        """Take these routes on the short path, behind a RequestMiddleware of their own."""
        self._direct = routes
        self._direct_stack = RequestMiddleware(self._serve, max_bytes=max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._direct_stack is not None:
            route = self._direct.get((scope["method"], scope["path"]))
            if route is not None:
                scope["app"] = self
                scope["route"] = route
                await self._direct_stack(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await scope["route"].direct_handler(request)
        except BodyTooLarge:
            raise  # RequestMiddleware answers 413; not an error of the app
        except Exception as exc:
            response = await self._error_response(request, exc)
        await response(scope, receive, send)

    async def _error_response(self, request: Request, exc: Exception) -> Response:
        """The app's answer to `exc` from its handler for the most specific class (as
        Starlette); if that handler fails, the generic 500 handler's answer."""
        try:
            return await self._call_handler(self._error_handler(type(exc)), request, exc)
        except Exception as failure:
            return await self._call_handler(self._error_handler(Exception), request, failure)

    def _error_handler(self, kind: type[BaseException]) -> Callable[..., Any]:
        handlers = self.exception_handlers
        for cls in kind.__mro__:
            if cls in handlers:
                return handlers[cls]
        raise LookupError(f"no exception handler for {kind.__name__}")

    @staticmethod
    async def _call_handler(handler: Callable[..., Any], request: Request, exc: Exception):
        if inspect.iscoroutinefunction(handler):
            return await handler(request, exc)
        return await run_in_threadpool(handler, request, exc)
