"""UI-service settings."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from pydantic import Field

from titanic_common.settings import CommonSettings, load_settings


class Settings(CommonSettings):
    UI_URL: str = "http://127.0.0.1:8000"
    MODEL_URL: str = "http://127.0.0.1:8002"
    DRIFT_URL: str = "http://127.0.0.1:8003"
    UI_SECRET_KEY: str | None = Field(
        default=None,
        min_length=32,
        description="Signs CSRF tokens; when unset, derived from ADMIN_TOKEN with HMAC.",
    )
    CSRF_MAX_AGE_SECONDS: int = Field(default=7200, gt=0, le=86_400)

    def csrf_secret(self) -> str:
        """The key that signs CSRF tokens.

        Deriving it keeps the admin token itself out of anything the browser sees, and a
        dedicated UI_SECRET_KEY lets operators rotate one without the other.
        """
        if self.UI_SECRET_KEY:
            return self.UI_SECRET_KEY
        return hmac.new(
            self.ADMIN_TOKEN.encode(), b"titanic-ui-csrf-v1", hashlib.sha256
        ).hexdigest()


@lru_cache
def get_settings() -> Settings:
    """Settings read once per process; tests clear the cache to override."""
    return load_settings(Settings)
