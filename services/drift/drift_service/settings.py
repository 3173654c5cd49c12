"""Drift-service settings."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, RedisDsn

from titanic_common.settings import CommonSettings, load_settings


class Settings(CommonSettings):
    DATABASE_URL: str = "postgresql://postgres@127.0.0.1:5432/titanic"
    REDIS_URL: RedisDsn = RedisDsn("redis://127.0.0.1:6379/0")
    DRIFT_URL: str = "http://127.0.0.1:8003"
    FEATURE_STORE_URL: str = "http://127.0.0.1:8001"
    MODEL_URL: str = "http://127.0.0.1:8002"
    DRIFT_BACKEND: Literal["alibi", "scipy"] = "scipy"
    DRIFT_WINDOW: int = Field(default=200, ge=20, le=100_000)
    DRIFT_P_VALUE: float = Field(default=0.05, gt=0, lt=1)


@lru_cache
def get_settings() -> Settings:
    """Settings read once per process; tests clear the cache to override."""
    return load_settings(Settings)
