"""`make up` brings the stack to healthy; `make down` leaves no process of ours running."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from scripts.stack.supervisor import marked_processes
from tests.support.db import create_database, drop_database
from tests.support.procs import ROOT
from tests.support.runner import isolated_stack_env, stack

AIRFLOW = (ROOT / "airflow" / ".venv" / "bin" / "airflow").exists()


@pytest.mark.slow
def test_up_then_down_leaves_nothing_running(
    tmp_path: Path, database_url: str, redis_url: str
) -> None:
    run_dir = tmp_path / "run"
    airflow_db = create_database("titanic_airflow")
    env = isolated_stack_env(tmp_path, database_url, redis_url, airflow_db)
    try:
        up = stack(["up", "--no-main-job", "--timeout", "420"], env, timeout=900)
        assert up.returncode == 0, up.stdout + up.stderr
        assert "titanic-mlops is running" in up.stdout
        for key in ("UI_URL", "FEATURE_STORE_URL", "MODEL_URL", "DRIFT_URL"):
            assert httpx.get(f"{env[key]}/healthz", timeout=5).status_code == 200
        if AIRFLOW:
            health = httpx.get(f"{env['AIRFLOW_URL']}/api/v2/monitor/health", timeout=5)
            assert health.status_code == 200
        assert (run_dir / "logs" / "model.log").exists(), "each process logs to its own file"
        started = marked_processes(run_dir)
        assert len(started) >= 4
    finally:
        down = stack(["down"], env, timeout=180)
        time.sleep(0.5)
        left = marked_processes(run_dir)
        drop_database(airflow_db)
    assert down.returncode == 0, down.stdout + down.stderr
    assert left == [], f"processes left running after down: {left}"
    for key in ("UI_URL", "MODEL_URL"):
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{env[key]}/healthz", timeout=2)
