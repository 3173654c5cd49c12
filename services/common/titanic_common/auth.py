"""Bearer-token dependency for every write or admin route."""

from __future__ import annotations

import secrets
from collections.abc import Callable
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

    def require_admin(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        if credentials is None:
            raise UnauthorizedError("missing bearer token", headers=_CHALLENGE)
        if not token_matches(credentials.credentials, get_token()):
            raise UnauthorizedError("invalid bearer token", headers=_CHALLENGE)

    return require_admin
