"""The stack's environment: .env (created from .env.example on first run) over defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from dotenv import dotenv_values

from scripts.stack.programs import ROOT

EXAMPLE = ROOT / ".env.example"
GENERATED_SECRETS = (
    "ADMIN_TOKEN",
    "SERVICE_TOKEN",
    "GF_SECURITY_ADMIN_PASSWORD",
    "AIRFLOW_JWT_SECRET",
    "POSTGRES_PASSWORD",
)


def ensure_env_file(path: Path) -> bool:
    """Create `path` from .env.example with fresh random secrets; True when created."""
    if path.exists():
        return False
    lines = []
    for line in EXAMPLE.read_text().splitlines():
        key = line.split("=", 1)[0].strip()
        if key in GENERATED_SECRETS and not line.startswith("#"):
            line = f"{key}={secrets.token_urlsafe(48)}"
        lines.append(line)
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return True


def load_env(path: Path) -> dict[str, str]:
    """Variables for every process: .env values, overridden by the caller's environment."""
    values = {k: v for k, v in dotenv_values(path).items() if v is not None}
    values.update({k: v for k, v in os.environ.items() if k in values or k.endswith("_URL")})
    return values


def airflow_env(env: dict[str, str], run_dir: Path) -> dict[str, str]:
    """Airflow's own settings for local runs, derived from the stack's variables."""
    api = env.get("AIRFLOW_URL", "http://127.0.0.1:8080")
    database = env.get(
        "AIRFLOW_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/airflow"
    )
    return {
        "AIRFLOW_HOME": str(run_dir / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "airflow" / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
        # Airflow 3 also opens an async engine; psycopg 3 serves both (no asyncpg needed).
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": database.replace(
            "+psycopg:", "+psycopg_async:", 1
        ),
        "AIRFLOW__API_AUTH__JWT_SECRET": env.get("AIRFLOW_JWT_SECRET", "local-dev-only"),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(run_dir / "airflow" / "logs"),
        "PATH": f"{ROOT / 'airflow' / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
    }
