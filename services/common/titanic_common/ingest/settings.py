"""Settings of the ingestion and training pipelines, read from the environment at run time."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from titanic_common.settings import CommonSettings, describe_error


class ConfigError(ValueError):
    """A variable is missing or malformed; the message names it."""


class IngestSettings(CommonSettings):
    """Where the pipelines read from and write to. Nothing host-specific lives in a DAG."""

    DATABASE_URL: str
    GCS_BUCKET: str = "titanic-data"
    GCS_PREFIX: str = "incoming/"
    GCS_PROJECT: str = "titanic"
    STORAGE_EMULATOR_HOST: str | None = None
    FEATURE_STORE_URL: str = "http://127.0.0.1:8001"
    MODEL_URL: str = "http://127.0.0.1:8002"
    PUSHGATEWAY_URL: str | None = None
    INGEST_WORK_DIR: Path = Path("/tmp/titanic-ingest")
    INGEST_MAX_FILE_BYTES: int = Field(default=2 * 1024**3, gt=0)
    INGEST_PUSH_BATCH_SIZE: int = Field(default=1000, ge=1, le=10_000)
    TRAIN_POLL_SECONDS: float = Field(default=2.0, gt=0)
    TRAIN_TIMEOUT_SECONDS: float = Field(default=1800.0, gt=0)

    @field_validator("GCS_PREFIX")
    @classmethod
    def _prefix_is_a_folder(cls, value: str) -> str:
        value = value.strip("/")
        return f"{value}/" if value else ""

    @field_validator("STORAGE_EMULATOR_HOST", "PUSHGATEWAY_URL", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


def get_ingest_settings() -> IngestSettings:
    """Settings from the environment (read on every call), or ConfigError naming the variable."""
    try:
        return IngestSettings()
    except ValidationError as exc:
        raise ConfigError(describe_error(exc)) from None
