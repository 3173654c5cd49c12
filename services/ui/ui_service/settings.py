"""UI-service settings."""

from functools import lru_cache

from titanic_common.settings import CommonSettings, load_settings


class Settings(CommonSettings):
    UI_URL: str = "http://127.0.0.1:8000"
    MODEL_URL: str = "http://127.0.0.1:8002"
    DRIFT_URL: str = "http://127.0.0.1:8003"


@lru_cache
def get_settings() -> Settings:
    """Settings read once per process; tests clear the cache to override."""
    return load_settings(Settings)
