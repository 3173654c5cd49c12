"""Settings shared by every service, read from the environment with pydantic-settings.

A missing or malformed variable stops the process at start with one line that names it.
"""

from __future__ import annotations

import sys
from typing import Literal, TypeVar

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_TOKENS = {"", "changeme", "change-me", "secret", "admin"}

S = TypeVar("S", bound=BaseSettings)


class CommonSettings(BaseSettings):
    """Variables every service reads. Services subclass this and add their own."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    APP_ENV: Literal["development", "test", "production"] = "development"
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    BIND_HOST: str = "127.0.0.1"
    ADMIN_TOKEN: str = Field(min_length=16)
    # Service-to-service writes (the model service's drift feed): accepted on
    # POST /observations only, so a service holding it cannot administer anything.
    # Unset: those calls use ADMIN_TOKEN.
    SERVICE_TOKEN: str | None = Field(default=None, min_length=16)
    MAX_BODY_BYTES: int = Field(default=5_000_000, gt=0)
    HTTP_TIMEOUT_SECONDS: float = Field(default=2.0, gt=0, le=60)
    GRAFANA_URL: str = "http://127.0.0.1:3000"
    PROMETHEUS_URL: str = "http://127.0.0.1:9090"
    AIRFLOW_URL: str = "http://127.0.0.1:8080"

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("SERVICE_TOKEN", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("ADMIN_TOKEN", "SERVICE_TOKEN")
    @classmethod
    def _refuse_placeholder(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower() in PLACEHOLDER_TOKENS:
            raise ValueError("is a placeholder; set a random secret")
        return value

    @model_validator(mode="after")
    def _distinct_tokens(self) -> CommonSettings:
        if self.SERVICE_TOKEN is not None and self.SERVICE_TOKEN == self.ADMIN_TOKEN:
            raise ValueError("SERVICE_TOKEN must differ from ADMIN_TOKEN")
        return self

    def service_token(self) -> str:
        """The token this service sends on service-to-service writes."""
        return self.SERVICE_TOKEN or self.ADMIN_TOKEN


def describe_error(exc: ValidationError) -> str:
    """One line naming every variable that is missing or malformed."""
    parts = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "settings"
        msg = err["msg"]
        reason = "is not set" if err["type"] == "missing" else msg[:1].lower() + msg[1:]
        parts.append(f"{name} {reason}")
    return "configuration error: " + "; ".join(parts)


def load_settings(cls: type[S]) -> S:
    """Build settings or exit with status 2 and one clear line on stderr."""
    try:
        return cls()
    except ValidationError as exc:
        print(describe_error(exc), file=sys.stderr)
        raise SystemExit(2) from None


def port_of(url: str) -> int:
    """The port a service binds: the one in its own *_URL, so the two never disagree."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.port:
        return parts.port
    return 443 if parts.scheme == "https" else 80
