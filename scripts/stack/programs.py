"""The processes of the local stack, defined once.

The Docker Compose file runs the same commands (checked by tests/stack/test_compose.py);
only addresses differ.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
AIRFLOW_BIN = ROOT / "airflow" / ".venv" / "bin"

# Compose service name -> command, for every process whose command is shared.
SERVICE_COMMANDS: dict[str, list[str]] = {
    "ui": ["titanic-ui"],
    "feature-store": ["titanic-feature-store"],
    "model": ["titanic-model"],
    "drift": ["titanic-drift"],
    "airflow-apiserver": ["airflow", "api-server"],
    "airflow-scheduler": ["airflow", "scheduler"],
    "airflow-dag-processor": ["airflow", "dag-processor"],
    "airflow-triggerer": ["airflow", "triggerer"],
}


@dataclass(frozen=True)
class Program:
    """One supervised process: how to run it and how to know it is up."""

    name: str
    argv: list[str]
    health_url: str | None
    env: dict[str, str] = field(default_factory=dict)
    startsecs: int = 1


def _port(url: str, default: int) -> int:
    return urlsplit(url).port or default


def _service_programs(env: dict[str, str]) -> list[Program]:
    urls = {
        "feature-store": env["FEATURE_STORE_URL"],
        "model": env["MODEL_URL"],
        "drift": env["DRIFT_URL"],
        "ui": env["UI_URL"],
    }
    return [
        Program(name, [str(VENV_BIN / SERVICE_COMMANDS[name][0])], f"{url}/healthz")
        for name, url in urls.items()
    ]


def _gcs_program(env: dict[str, str], run_dir: Path) -> list[Program]:
    host = env.get("STORAGE_EMULATOR_HOST")
    if not host:
        return []
    port = _port(host, 4443)
    argv = [
        str(VENV_BIN / "gcp-storage-emulator"),
        "--data-dir",
        str(run_dir / "gcs"),
        "start",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--default-bucket",
        env.get("GCS_BUCKET", "titanic-data"),
        "-q",
    ]
    return [Program("gcs-emulator", argv, f"{host}/storage/v1/b")]


PROMETHEUS_CONFIG = ROOT / "infra" / "prometheus" / "prometheus.yml"
SCRAPE_TARGETS = {
    "ui": "UI_URL",
    "feature-store": "FEATURE_STORE_URL",
    "model": "MODEL_URL",
    "drift": "DRIFT_URL",
    "pushgateway": "PUSHGATEWAY_URL",
}


def render_prometheus_config(env: dict[str, str], run_dir: Path) -> Path:
    """infra/prometheus/prometheus.yml with the targets this run uses (only they differ)."""
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    config["rule_files"] = [str(PROMETHEUS_CONFIG.parent / f) for f in config["rule_files"]]
    for job in config["scrape_configs"]:
        url = env.get(SCRAPE_TARGETS.get(job["job_name"], ""), "")
        if url:
            parts = urlsplit(url)
            job["static_configs"] = [{"targets": [f"{parts.hostname}:{parts.port}"]}]
    path = run_dir / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _monitoring_programs(env: dict[str, str], run_dir: Path) -> list[Program]:
    programs = []
    prometheus = shutil.which("prometheus")
    if prometheus and PROMETHEUS_CONFIG.exists():
        config = render_prometheus_config(env, run_dir)
        port = _port(env.get("PROMETHEUS_URL", ""), 9090)
        argv = [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={run_dir / 'prometheus'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-lifecycle",
        ]
        programs.append(Program("prometheus", argv, f"http://127.0.0.1:{port}/-/ready"))
    pushgateway = shutil.which("prometheus-pushgateway")
    if pushgateway:
        port = _port(env.get("PUSHGATEWAY_URL", ""), 9091)
        # Persisted so batch jobs' last-success timestamps survive a restart of the stack.
        argv = [
            pushgateway,
            f"--web.listen-address=127.0.0.1:{port}",
            f"--persistence.file={run_dir / 'pushgateway.data'}",
        ]
        programs.append(Program("pushgateway", argv, f"http://127.0.0.1:{port}/-/ready"))
    return programs


def _airflow_programs(env: dict[str, str]) -> list[Program]:
    if not (AIRFLOW_BIN / "airflow").exists():
        return []
    port = _port(env.get("AIRFLOW_URL", ""), 8080)
    programs = []
    for name in (
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
    ):
        argv = [str(AIRFLOW_BIN / "airflow"), *SERVICE_COMMANDS[name][1:]]
        if name == "airflow-apiserver":
            argv += ["--port", str(port), "--host", "127.0.0.1"]
        health = (
            f"http://127.0.0.1:{port}/api/v2/monitor/health"
            if name == "airflow-apiserver"
            else None
        )
        programs.append(Program(name, argv, health, startsecs=3))
    return programs


def all_programs(env: dict[str, str], run_dir: Path, with_airflow: bool = True) -> list[Program]:
    """Every process `make up` runs, in start order."""
    programs = _gcs_program(env, run_dir) + _monitoring_programs(env, run_dir)
    if with_airflow:
        programs += _airflow_programs(env)
    return programs + _service_programs(env)
