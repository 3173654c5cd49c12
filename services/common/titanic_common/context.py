"""Per-request context shared by logs and error bodies."""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The current request's id (X-Request-ID), set by titanic_common.middleware."""
