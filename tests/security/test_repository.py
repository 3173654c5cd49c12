"""The repository holds no secret and nothing runs in debug mode."""

from __future__ import annotations

import re
import subprocess

from tests.support.procs import ROOT

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "Google API key": re.compile(r"AIza[0-9A-Za-z_\-]{35}"),
    "GitHub token": re.compile(r"gh[pousr]_[0-9A-Za-z]{36}"),
    "Slack token": re.compile(r"xox[abpr]-[0-9A-Za-z-]{10,}"),
    "secret assigned in env syntax": re.compile(
        r"^(?:ADMIN_TOKEN|POSTGRES_PASSWORD|GF_SECURITY_ADMIN_PASSWORD|AIRFLOW_JWT_SECRET)"
        r"=\S+",
        re.M,
    ),
}
DEBUG_PATTERNS = re.compile(r"debug\s*=\s*True|reload\s*=\s*True|--reload\b")


def _tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [f for f in out.splitlines() if (ROOT / f).is_file()]


def _text(path: str) -> str | None:
    data = (ROOT / path).read_bytes()
    if b"\0" in data[:4096]:
        return None
    return data.decode("utf-8", errors="replace")


def test_no_secret_in_the_repository() -> None:
    found = []
    for path in _tracked_files():
        if path.startswith("tests/security/"):
            continue
        text = _text(path)
        if text is None:
            continue
        for name, pattern in SECRET_PATTERNS.items():
            if pattern.search(text):
                found.append(f"{path}: {name}")
    assert found == []


def test_env_file_is_not_committed() -> None:
    assert ".env" not in _tracked_files()
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_no_debug_mode_anywhere() -> None:
    offenders = []
    for path in _tracked_files():
        if not path.endswith((".py", ".yml", ".yaml", ".toml", "Dockerfile", ".sh")):
            continue
        if path.startswith("tests/"):
            continue
        text = _text(path) or ""
        if DEBUG_PATTERNS.search(text):
            offenders.append(path)
    assert offenders == []
