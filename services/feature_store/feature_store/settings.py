"""Feature-store settings."""

from functools import lru_cache

from pydantic import Field, RedisDsn

from titanic_common.settings import CommonSettings, load_settings


class Settings(CommonSettings):
    REDIS_URL: RedisDsn = RedisDsn("redis://127.0.0.1:6379/0")
    FEATURE_STORE_URL: str = "http://127.0.0.1:8001"
    REDIS_TIMEOUT_SECONDS: float = Field(default=0.5, gt=0, le=10)


@lru_cache
def get_settings() -> Settings:
    """Settings read once per process; tests clear the cache to override."""
    return load_settings(Settings)
