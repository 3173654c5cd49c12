"""Static checks of the Docker path: Docker cannot run here, so the files are proven
against the Compose specification, hadolint, .env.example and the local runner."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from scripts.stack.programs import SERVICE_COMMANDS, all_programs
from tests.support.procs import ROOT

COMPOSE = ROOT / "docker-compose.yml"
SECRET_KEY = re.compile(r"(TOKEN|PASSWORD|SECRET)")


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _example_vars() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match:
            names.add(match.group(1))
    return names


def _dockerfiles() -> list[Path]:
    files = {
        ROOT / svc["build"]["dockerfile"]
        for svc in _compose()["services"].values()
        if isinstance(svc.get("build"), dict)
    }
    return sorted(files)


def test_compose_file_matches_the_compose_specification() -> None:
    result = subprocess.run(
        [
            str(ROOT / ".venv/bin/check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_compose_variable_is_in_env_example() -> None:
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text()))
    assert used, "the Compose file should take its settings from .env"
    assert used - _example_vars() == set()


def test_no_secret_values_in_compose() -> None:
    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k))
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif SECRET_KEY.search(key) and isinstance(node, str):
            assert "${" in node, f"{key} has a literal value in docker-compose.yml"

    walk(_compose())


@pytest.mark.parametrize("name", sorted(SERVICE_COMMANDS))
def test_compose_runs_the_same_command_as_the_local_runner(name: str) -> None:
    service = _compose()["services"][name]
    assert service["command"] == SERVICE_COMMANDS[name]
    env = {
        "UI_URL": "http://127.0.0.1:8000",
        "FEATURE_STORE_URL": "http://127.0.0.1:8001",
        "MODEL_URL": "http://127.0.0.1:8002",
        "DRIFT_URL": "http://127.0.0.1:8003",
    }
    local = {p.name: p for p in all_programs(env, ROOT / ".run")}
    if name.startswith("airflow") and name not in local:
        pytest.skip("the Airflow environment is not built (airflow/setup.sh)")
    argv = local[name].argv
    assert [Path(argv[0]).name, *argv[1 : len(SERVICE_COMMANDS[name])]] == SERVICE_COMMANDS[name]


def test_long_running_services_have_healthchecks_and_dependencies_wait() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        if service.get("restart") == "no":
            continue
        assert "healthcheck" in service, f"{name} has no healthcheck"
    for name, service in services.items():
        for dep, cond in (service.get("depends_on") or {}).items():
            assert cond["condition"] in {"service_healthy", "service_completed_successfully"}, (
                f"{name} starts before {dep} is ready"
            )


def test_dockerfiles_pass_hadolint() -> None:
    files = _dockerfiles()
    assert len(files) >= 5
    missing = [str(f) for f in files if not f.exists()]
    assert not missing, f"Compose builds from missing Dockerfiles: {missing}"
    result = subprocess.run(
        [str(ROOT / ".venv/bin/hadolint"), *map(str, files)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", _dockerfiles(), ids=lambda p: str(p.relative_to(ROOT)))
def test_images_run_as_a_non_root_user(dockerfile: Path) -> None:
    users = re.findall(r"^USER\s+(\S+)", dockerfile.read_text(), flags=re.M)
    assert users, f"{dockerfile} never sets USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
