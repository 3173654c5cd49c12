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
    # Serving: how often the registry is polled for a promotion (seconds)
    MODEL_POLL_SECONDS: float = Field(default=5.0, gt=0, le=3600)
    # Off-path feed of predictions to the drift service and prediction_log
    FEED_QUEUE_SIZE: int = Field(default=10_000, ge=1, le=1_000_000)
    FEED_BATCH_SIZE: int = Field(default=500, ge=1, le=1000)
    FEED_FLUSH_SECONDS: float = Field(default=0.5, gt=0, le=60)
    FEED_RETRY_MAX_SECONDS: float = Field(default=30.0, gt=0, le=600)
    FEED_SEND_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=120)
    FEED_SHUTDOWN_SECONDS: float = Field(default=5.0, ge=0, le=60)


@lru_cache
def get_settings() -> Settings:
    """Settings read once per process; tests clear the cache to override."""
    return load_settings(Settings)
