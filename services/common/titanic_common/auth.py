"""Bearer-token dependencies for every write or admin route."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from titanic_common.errors import UnauthorizedError

_bearer = HTTPBearer(auto_error=False, description="ADMIN_TOKEN")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison; an empty expected token never matches."""
    if not given or not expected:
        return False
    return secrets.compare_digest(given.encode(), expected.encode())


def admin_dependency(get_token: Callable[[], str]) -> Callable:
    """Build a dependency that accepts only `Authorization: Bearer <ADMIN_TOKEN>`."""
    return bearer_dependency(lambda: (get_token(),))


def bearer_dependency(get_tokens: Callable[[], Iterable[str | None]]) -> Callable:
    """Build a dependency that accepts a bearer token equal to any of `get_tokens()`
    (unset ones never match), e.g. ADMIN_TOKEN or SERVICE_TOKEN."""

    def require_token(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        if credentials is None:
            raise UnauthorizedError("missing bearer token", headers=_CHALLENGE)
        given = credentials.credentials
        # Every token is compared, so the time taken does not say which one was close.
        matches = [token_matches(given, token or "") for token in get_tokens()]
        if not any(matches):
            raise UnauthorizedError("invalid bearer token", headers=_CHALLENGE)

    return require_token
