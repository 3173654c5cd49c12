"""Configuration only through environment variables listed in .env.example."""

from __future__ import annotations

import re

import pytest
from pydantic_settings import BaseSettings

from drift_service.settings import Settings as DriftSettings
from feature_store.settings import Settings as FeatureStoreSettings
from model_service.settings import Settings as ModelSettings
from scripts.seed import SeedSettings
from tests.support.procs import ROOT
from titanic_common.ingest.settings import IngestSettings
from ui_service.settings import Settings as UiSettings

SETTINGS: list[type[BaseSettings]] = [
    FeatureStoreSettings,
    ModelSettings,
    DriftSettings,
    UiSettings,
    IngestSettings,
    SeedSettings,
]


def _documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.M))


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: s.__module__)
def test_every_setting_is_in_env_example(settings: type[BaseSettings]) -> None:
    missing = set(settings.model_fields) - _documented()
    assert missing == set(), f"add to .env.example: {sorted(missing)}"
