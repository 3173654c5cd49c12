"""Model-service settings."""

from functools import lru_cache

from pydantic import Field

from titanic_common.settings import CommonSettings, load_settings


class Settings(CommonSettings):
    DATABASE_URL: str = "postgresql://postgres@127.0.0.1:5432/titanic"
    MODEL_URL: str = "http://127.0.0.1:8002"
    FEATURE_STORE_URL: str = "http://127.0.0.1:8001"
    DRIFT_URL: str = "http://127.0.0.1:8003"
    MODEL_ARTIFACT_URI: str = "gs://titanic-data/models"
    GCS_PROJECT: str = "titanic-local"
    STORAGE_EMULATOR_HOST: str | None = None
    # Promotion gate
    PROMOTION_TOLERANCE: float = Field(default=0.01, ge=0, le=1)
    MIN_HOLDOUT_ACCURACY: float = Field(default=0.75, ge=0, le=1)
    MIN_ROC_AUC: float = Field(default=0.80, ge=0, le=1)
    # Training
    TRAIN_MIN_ROWS: int = Field(default=100, ge=20)
    TRAIN_SEED: int = 42
    TRAIN_N_ESTIMATORS: int = Field(default=150, ge=1, le=2000)
    TRAIN_N_JOBS: int = Field(default=1, ge=1, le=4)
    TRAIN_CV_REPEATS: int = Field(default=3, ge=1, le=10)
    FEATURE_EXPORT_TIMEOUT_SECONDS: float = Field(default=30.0, gt=0, le=600)


@lru_cache
def get_settings() -> Settings:
    """Settings read once per process; tests clear the cache to override."""
    return load_settings(Settings)
