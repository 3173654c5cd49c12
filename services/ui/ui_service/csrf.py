"""CSRF protection for form posts: a signed double-submit token.

The browser holds a random nonce in a SameSite cookie; each form carries that nonce
signed with the server's secret and a timestamp. A post is accepted only when the
signature is valid, not expired and matches the cookie, so another site can neither
read nor forge the pair.
"""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadData, URLSafeTimedSerializer

COOKIE_NAME = "titanic_csrf"
FIELD_NAME = "csrf_token"


class CsrfRejectedError(Exception):
    """A form post without a valid CSRF token; rendered as a 403 page."""


class CsrfProtect:
    """Issues and checks tokens bound to a per-browser nonce."""

    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="titanic-ui-csrf")
        self._max_age = max_age_seconds

    @property
    def max_age(self) -> int:
        return self._max_age

    @staticmethod
    def new_nonce() -> str:
        """A fresh random value for the browser's cookie."""
        return secrets.token_urlsafe(24)

    def token_for(self, nonce: str) -> str:
        """The signed token a form embeds for this browser."""
        return self._serializer.dumps(nonce)

    def is_valid(self, token: str | None, nonce: str | None) -> bool:
        """True when `token` is a fresh signature of exactly this `nonce`."""
        if not token or not nonce:
            return False
        try:
            signed = self._serializer.loads(token, max_age=self._max_age)
        except BadData:
            return False
        return isinstance(signed, str) and hmac.compare_digest(signed, nonce)

    def check(self, token: str | None, nonce: str | None) -> None:
        """Raise CsrfRejectedError unless the token matches the nonce."""
        if not self.is_valid(token, nonce):
            raise CsrfRejectedError("missing or invalid CSRF token")
