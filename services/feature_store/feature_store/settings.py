"""Feature-store settings."""

from functools import lru_cache

from pydantic import Field, RedisDsn

from titanic_common.settings import CommonSettings, load_settings


class Settings(CommonSettings):
    REDIS_URL: RedisDsn = RedisDsn("redis://127.0.0.1:6379/0")
    FEATURE_STORE_URL: str = "http://127.0.0.1:8001"
    # Per socket operation; a Redis outage answers 503 well within a second.
    REDIS_TIMEOUT_SECONDS: float = Field(default=0.5, gt=0, le=10)
    # 10 000 pushed rows are about 2 MB of JSON; leave room for long strings.
    MAX_BODY_BYTES: int = Field(default=8_000_000, gt=0)
    # How stale "latest version of a view" may be when another replica registers one.
    FEATURE_STORE_VIEW_REFRESH_SECONDS: float = Field(default=5.0, ge=0, le=3600)
    # How often feature_store_entities is refreshed from ZCARD (it also updates on push).
    FEATURE_STORE_METRICS_REFRESH_SECONDS: float = Field(default=15.0, gt=0, le=3600)


@lru_cache
def get_settings() -> Settings:
    """Settings read once per process; tests clear the cache to override."""
    return load_settings(Settings)
