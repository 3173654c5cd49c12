"""A missing or malformed variable stops a service at start with one line naming it."""

from __future__ import annotations

import os
import subprocess

import pytest
from pydantic import ValidationError

from tests.support.procs import ROOT
from titanic_common.settings import CommonSettings, describe_error, port_of

SCRIPTS = ["titanic-ui", "titanic-feature-store", "titanic-model", "titanic-drift"]


def _run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"ADMIN_TOKEN", "LOG_LEVEL"}}
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / script)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("script", SCRIPTS)
def test_missing_admin_token_stops_service_with_one_line(script: str) -> None:
    result = _run(script, {})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["configuration error: ADMIN_TOKEN is not set"]


def test_malformed_values_are_named() -> None:
    result = _run("titanic-ui", {"ADMIN_TOKEN": "x" * 20, "LOG_LEVEL": "verbose"})
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("configuration error: LOG_LEVEL")


def test_placeholder_token_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_TOKEN", "changeme")
    with pytest.raises(ValidationError) as info:
        CommonSettings()
    message = describe_error(info.value)
    assert "ADMIN_TOKEN" in message


def test_port_comes_from_the_service_url() -> None:
    assert port_of("http://127.0.0.1:8002") == 8002
    assert port_of("http://model") == 80


def test_service_token_is_optional_distinct_and_falls_back_to_the_admin_token() -> None:
    admin = "admin-token-0123456789abcdef"
    unset = CommonSettings(ADMIN_TOKEN=admin, SERVICE_TOKEN="")
    assert unset.SERVICE_TOKEN is None and unset.service_token() == admin
    own = CommonSettings(ADMIN_TOKEN=admin, SERVICE_TOKEN="service-token-0123456789abc")
    assert own.service_token() == "service-token-0123456789abc"
    with pytest.raises(ValidationError, match="must differ"):
        CommonSettings(ADMIN_TOKEN=admin, SERVICE_TOKEN=admin)
    with pytest.raises(ValidationError, match="SERVICE_TOKEN"):
        CommonSettings(ADMIN_TOKEN=admin, SERVICE_TOKEN="short")
