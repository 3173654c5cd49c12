"""Pipeline settings: defaults, normalisation, and one clear error naming a bad variable."""

from __future__ import annotations

import pytest

from titanic_common.ingest.settings import ConfigError, get_ingest_settings

TOKEN = "test-admin-token-0123456789abcdef"


def test_prefix_is_normalised_and_blank_optionals_mean_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@127.0.0.1/db")
    monkeypatch.setenv("ADMIN_TOKEN", TOKEN)
    monkeypatch.setenv("GCS_PREFIX", "/landing/zone")
    monkeypatch.setenv("PUSHGATEWAY_URL", "")
    settings = get_ingest_settings()
    assert settings.GCS_PREFIX == "landing/zone/"
    assert settings.PUSHGATEWAY_URL is None and settings.GCS_BUCKET == "titanic-data"


def test_missing_database_url_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ADMIN_TOKEN", TOKEN)
    with pytest.raises(ConfigError, match="DATABASE_URL is not set"):
        get_ingest_settings()
