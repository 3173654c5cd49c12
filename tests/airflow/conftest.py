"""Airflow test fixtures: the Airflow venv, a migrated sqlite home, one warm DAG runner,
a private Redis with a real feature-store process, and a fresh database per test."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ADMIN_TOKEN
from tests.support.db import create_migrated_database, drop_database
from tests.support.procs import ROOT, Service, free_port, start_redis, start_service
from titanic_common.storage import gcs_filesystem

AIRFLOW_DIR = ROOT / "airflow"
AIRFLOW_PY = AIRFLOW_DIR / ".venv" / "bin" / "python"
RUNNER = Path(__file__).with_name("dag_runner.py")


def airflow_base_env(home: Path) -> dict[str, str]:
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(AIRFLOW_DIR / "dags"),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }


@pytest.fixture(scope="session")
def airflow_venv() -> Path:
    """airflow/.venv, built by airflow/setup.sh when missing or stale."""
    subprocess.run(["bash", str(AIRFLOW_DIR / "setup.sh")], check=True, timeout=900)
    return AIRFLOW_PY


@pytest.fixture(scope="session")
def airflow_home(airflow_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temp AIRFLOW_HOME with a migrated sqlite DB (migrated once, cached under .run/)."""
    digest = hashlib.sha256((AIRFLOW_DIR / "requirements.txt").read_bytes()).hexdigest()[:12]
    template = ROOT / ".run" / "airflow-test-db" / digest
    if not (template / "airflow.db").exists():
        template.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(airflow_venv.parent / "airflow"), "db", "migrate"],
            env={**os.environ, **airflow_base_env(template)},
            check=True,
            capture_output=True,
            timeout=600,
        )
    home = tmp_path_factory.mktemp("airflow-home")
    shutil.copy(template / "airflow.db", home / "airflow.db")
    return home


class DagRunner:
    """The long-lived dag_runner.py process; `call` sends one command and waits."""

    def __init__(self, home: Path, workdir: Path) -> None:
        self.workdir = workdir
        self.log_path = workdir / "dag-runner.log"
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            [str(AIRFLOW_PY), str(RUNNER), str(self.log_path)],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **airflow_base_env(home), "PYTHONUNBUFFERED": "1"},
            cwd=ROOT,
            start_new_session=True,
            text=True,
        )

    def call(self, cmd: str, env: dict[str, str], dag_id: str = "", timeout: float = 300) -> dict:
        result = self.workdir / f"result-{uuid.uuid4().hex}.json"
        command = {"cmd": cmd, "dag_id": dag_id, "env": env, "result": str(result)}
        assert self.popen.stdin is not None
        self.popen.stdin.write(json.dumps(command) + "\n")
        self.popen.stdin.flush()
        deadline = time.monotonic() + timeout
        while not result.exists():
            if self.popen.poll() is not None:
                raise RuntimeError(f"dag runner exited:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{cmd} {dag_id} did not finish:\n{self.log_tail()}")
            time.sleep(0.2)
        answer = json.loads(result.read_text())
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Close stdin (the runner's loop ends), then kill the group if it lingers."""
        if self.popen.poll() is None:
            assert self.popen.stdin is not None
            self.popen.stdin.close()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)


@pytest.fixture(scope="session")
def dag_runner(airflow_home: Path, artifacts_dir: Path) -> Iterator[DagRunner]:
    runner = DagRunner(airflow_home, artifacts_dir)
    yield runner
    runner.stop()


@pytest.fixture(scope="session")
def store_redis_url(artifacts_dir: Path) -> Iterator[str]:
    """A Redis of our own: other packages' tests never see our entities, nor we theirs."""
    proc, port = start_redis(artifacts_dir)
    yield f"redis://127.0.0.1:{port}/0"
    proc.stop()


@pytest.fixture(scope="session")
def feature_store_env(store_redis_url: str) -> dict[str, str]:
    return {
        "APP_ENV": "test",
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "REDIS_URL": store_redis_url,
        "FEATURE_STORE_URL": f"http://127.0.0.1:{free_port()}",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture(scope="session")
def feature_store(feature_store_env: dict[str, str], artifacts_dir: Path) -> Iterator[Service]:
    service = start_service(
        "titanic-feature-store", "FEATURE_STORE_URL", feature_store_env, artifacts_dir
    )
    yield service
    service.stop()


def pipeline_env(
    gcs_env: dict[str, str], feature_store: Service, dsn: str, work: Path, prefix: str
) -> dict[str, str]:
    """What the ingestion DAG reads: the database, a GCS prefix of its own, the feature
    store, a work folder and short retry delays."""
    return {
        **gcs_env,
        "GCS_PREFIX": f"{prefix}-{uuid.uuid4().hex[:8]}/",
        "DATABASE_URL": dsn,
        "FEATURE_STORE_URL": feature_store.url,
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "INGEST_WORK_DIR": str(work),
        "TITANIC_RETRY_DELAY_SECONDS": "1",
        "PUSHGATEWAY_URL": "",
    }


@pytest.fixture
def ingest_env(
    gcs_emulator: dict[str, str], feature_store: Service, tmp_path: Path
) -> Iterator[dict[str, str]]:
    """Pipeline env for one test: a fresh database and a GCS prefix of its own."""
    dsn = create_migrated_database("titanic_airflow")
    yield pipeline_env(gcs_emulator, feature_store, dsn, tmp_path / "work", "ingest")
    drop_database(dsn)


def upload(env: dict[str, str], name: str, data: bytes) -> str:
    """Put an object under the test's prefix; returns its gs:// URI."""
    fs = gcs_filesystem(env["GCS_PROJECT"], env["STORAGE_EMULATOR_HOST"])
    path = f"{env['GCS_BUCKET']}/{env['GCS_PREFIX']}{name}"
    fs.pipe(path, data)
    return f"gs://{path}"
