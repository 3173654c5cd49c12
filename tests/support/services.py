"""The four services, for tests that need the whole set."""

from __future__ import annotations

SERVICES = {
    "titanic-feature-store": "FEATURE_STORE_URL",
    "titanic-model": "MODEL_URL",
    "titanic-drift": "DRIFT_URL",
    "titanic-ui": "UI_URL",
}
