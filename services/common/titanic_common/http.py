"""HTTP clients with bounded timeouts and retries on connection errors only."""

from __future__ import annotations

import httpx

from titanic_common.errors import DependencyUnavailableError

CONNECT_RETRIES = 2


def _timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds, connect=min(seconds, 1.0))


def async_client(
    base_url: str, timeout: float = 2.0, headers: dict | None = None
) -> httpx.AsyncClient:
    """An AsyncClient whose transport retries failed connects (never a sent request)."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=_timeout(timeout),
        headers=headers,
        transport=httpx.AsyncHTTPTransport(retries=CONNECT_RETRIES),
    )


def sync_client(base_url: str, timeout: float = 2.0, headers: dict | None = None) -> httpx.Client:
    """The blocking twin of `async_client`, same limits."""
    return httpx.Client(
        base_url=base_url,
        timeout=_timeout(timeout),
        headers=headers,
        transport=httpx.HTTPTransport(retries=CONNECT_RETRIES),
    )


def unavailable(name: str, exc: Exception) -> DependencyUnavailableError:
    """A 503 error that names the dependency and the kind of failure."""
    return DependencyUnavailableError(
        f"{name} is unavailable", details={"dependency": name, "reason": type(exc).__name__}
    )
