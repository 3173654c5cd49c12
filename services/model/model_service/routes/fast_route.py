"""A route class for the prediction hot path: one pydantic-core pass over the JSON body.

FastAPI parses a body with the stdlib json module, validates the result in Python and
then resolves dependencies; for a one-row prediction that costs more than the model
(benchmarks/RESULTS.md, model service). `JsonBodyRoute` keeps the declared signature for
OpenAPI but serves the request itself: the raw body goes to `TypeAdapter.validate_json`,
query parameters to their own adapters, and errors leave as the usual
`RequestValidationError` (422 naming the field).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Request, Response
from fastapi._compat import ModelField
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError


@dataclass(frozen=True)
class _Query:
    name: str
    alias: str
    adapter: TypeAdapter
    default: Any


class JsonBodyRoute(APIRoute):
    """For endpoints shaped `async def f(body: Model, request: Request, q: T = default)`:
    one JSON body, optional query parameters, no dependencies; the endpoint returns a
    Response (no response_model pass). Apps from `create_app` serve it on their short
    path (`direct_handler`, see titanic_common.direct). Dependencies given when
    the router is included (auth, say) would not run either: enforce access in the
    endpoint or in middleware, never through include_router(dependencies=...).
    """

    # Discriminated-union branch names pydantic puts into error locations: a 422 should
    # say 'pclass', not 'by_attributes.pclass'. Subclasses list theirs.
    hidden_location_parts: frozenset[str] = frozenset()

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        dependant = self.dependant
        if dependant.dependencies or len(dependant.body_params) != 1:
            raise TypeError(f"{self.path}: JsonBodyRoute needs one body and no dependencies")
        if not inspect.iscoroutinefunction(self.endpoint):
            raise TypeError(f"{self.path}: JsonBodyRoute needs an async endpoint")
        if any(q.field_info.is_required() for q in dependant.query_params):
            raise TypeError(f"{self.path}: JsonBodyRoute query parameters need defaults")
        body = dependant.body_params[0]
        body_adapter = _adapter(body)
        queries = [
            _Query(q.name, q.alias, _adapter(q), q.field_info.default)
            for q in dependant.query_params
        ]
        request_name = dependant.request_param_name
        endpoint = self.endpoint
        hidden = self.hidden_location_parts

        async def handle(request: Request) -> Response:
            errors: list[dict[str, Any]] = []
            kwargs: dict[str, Any] = {}
            raw = await request.body()
            if not _is_json(_content_type(request.scope)):
                # Also keeps cross-site form posts (no CORS preflight) out.
                errors.append(_body_error("content_type", "Content-Type must be application/json"))
            elif not raw.strip():
                errors.append(_body_error("missing", "Field required"))
            else:
                try:
                    kwargs[body.name] = body_adapter.validate_json(raw)
                except ValidationError as exc:
                    errors.extend(_located(exc, ("body",), hidden))
            # Most requests carry no query string: skip parsing one.
            params = request.query_params if queries and request.scope["query_string"] else {}
            for query in queries:
                value = params.get(query.alias)
                if value is None:
                    kwargs[query.name] = query.default
                    continue
                try:
                    kwargs[query.name] = query.adapter.validate_python(value)
                except ValidationError as exc:
                    errors.extend(_located(exc, ("query", query.alias), hidden))
            if errors:
                raise RequestValidationError(errors, body=raw)
            if request_name:
                kwargs[request_name] = request
            return await endpoint(**kwargs)

        # The app factory serves this route on its short path (titanic_common.direct).
        self.direct_handler = handle
        return handle


def _content_type(scope: dict) -> str | None:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.decode("latin-1")
    return None


def _is_json(content_type: str | None) -> bool:
    if content_type is None or content_type == "application/json":
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _body_error(kind: str, message: str) -> dict[str, Any]:
    return {"type": kind, "loc": ("body",), "msg": message, "input": None}


def _adapter(field: ModelField) -> TypeAdapter:
    # The field's FieldInfo carries constraints and discriminators, as in FastAPI itself.
    return TypeAdapter(Annotated[field.field_info.annotation, field.field_info])


def _located(
    exc: ValidationError, prefix: tuple[str, ...], hidden: Iterable[str]
) -> list[dict[str, Any]]:
    hidden = frozenset(hidden)
    return [
        {**e, "loc": (*prefix, *(p for p in e["loc"] if p not in hidden))}
        for e in exc.errors(include_url=False)
    ]
