"""Model-service settings."""

from functools import lru_cache

from titanic_common.settings import CommonSettings, load_settings


class Settings(CommonSettings):
    DATABASE_URL: str = "postgresql://postgres@127.0.0.1:5432/titanic"
    MODEL_URL: str = "http://127.0.0.1:8002"
    FEATURE_STORE_URL: str = "http://127.0.0.1:8001"
    DRIFT_URL: str = "http://127.0.0.1:8003"
    MODEL_ARTIFACT_URI: str = "gs://titanic-data/models"
    GCS_PROJECT: str = "titanic-local"
    STORAGE_EMULATOR_HOST: str | None = None


@lru_cache
def get_settings() -> Settings:
    """Settings read once per process; tests clear the cache to override."""
    return load_settings(Settings)
