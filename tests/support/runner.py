"""Driving `python -m scripts.stack` (what `make up` / `make down` run) from tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.procs import ROOT, free_port

PYTHON = str(ROOT / ".venv" / "bin" / "python")


def isolated_stack_env(
    tmp: Path, database_url: str, redis_url: str, airflow_db: str
) -> dict[str, str]:
    """Environment for a stack in `tmp` on free ports, with its own databases and Redis."""
    port = {k: free_port() for k in ("ui", "fs", "model", "drift", "gcs", "prom", "push", "af")}
    return {
        "STACK_RUN_DIR": str(tmp / "run"),
        "STACK_ENV_FILE": str(tmp / ".env"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "AIRFLOW_DATABASE_URL": airflow_db.replace("postgresql://", "postgresql+psycopg://", 1),
        "UI_URL": f"http://127.0.0.1:{port['ui']}",
        "FEATURE_STORE_URL": f"http://127.0.0.1:{port['fs']}",
        "MODEL_URL": f"http://127.0.0.1:{port['model']}",
        "DRIFT_URL": f"http://127.0.0.1:{port['drift']}",
        "STORAGE_EMULATOR_HOST": f"http://127.0.0.1:{port['gcs']}",
        "PROMETHEUS_URL": f"http://127.0.0.1:{port['prom']}",
        "PUSHGATEWAY_URL": f"http://127.0.0.1:{port['push']}",
        "AIRFLOW_URL": f"http://127.0.0.1:{port['af']}",
    }


def run(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    """Run a command from the repository root with `env` over the current environment."""
    return subprocess.run(
        args,
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def stack(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    """`python -m scripts.stack <args>`."""
    return run([PYTHON, "-m", "scripts.stack", *args], env, timeout)
