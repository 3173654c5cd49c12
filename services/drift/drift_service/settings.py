"""Drift-service settings."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, RedisDsn, model_validator

from titanic_common.settings import CommonSettings, load_settings


class Settings(CommonSettings):
    DATABASE_URL: str = "postgresql://postgres@127.0.0.1:5432/titanic"
    REDIS_URL: RedisDsn = RedisDsn("redis://127.0.0.1:6379/0")
    DRIFT_URL: str = "http://127.0.0.1:8003"
    FEATURE_STORE_URL: str = "http://127.0.0.1:8001"
    MODEL_URL: str = "http://127.0.0.1:8002"
    DRIFT_BACKEND: Literal["alibi", "scipy"] = "scipy"
    # Observations kept in the sliding window (the most recent ones).
    DRIFT_WINDOW: int = Field(default=200, ge=20, le=100_000)
    # Family-wise significance level; each feature is tested at DRIFT_P_VALUE / n_features.
    DRIFT_P_VALUE: float = Field(default=0.05, gt=0, lt=1)
    # A check runs each time this many new observations have arrived.
    DRIFT_CHECK_EVERY: int = Field(default=50, ge=1, le=100_000)
    # No automatic check until the window holds at least this many observations.
    DRIFT_MIN_WINDOW: int = Field(default=50, ge=10, le=100_000)
    # How often the registry is polled for a newly promoted model (seconds).
    DRIFT_REFERENCE_POLL_SECONDS: float = Field(default=30.0, ge=0.2, le=3600)
    # Upper bound on observations in one POST /observations.
    DRIFT_MAX_BATCH: int = Field(default=1000, ge=1, le=100_000)

    @model_validator(mode="after")
    def _min_window_fits(self) -> "Settings":
        if self.DRIFT_MIN_WINDOW > self.DRIFT_WINDOW:
            raise ValueError("DRIFT_MIN_WINDOW must not exceed DRIFT_WINDOW")
        return self


@lru_cache
def get_settings() -> Settings:
    """Settings read once per process; tests clear the cache to override."""
    return load_settings(Settings)
